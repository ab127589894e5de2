/**
 * Native MuJoCo as the reference for simulation speed (DESIGN "Facts": Debian's libmujoco-dev, MuJoCo
 * 2.2.2). The bench compiles bench/native/step.c with the system C compiler into bench/native/build/
 * (gitignored) and runs it on the same MJCF and protocol as the WASM loops.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GailBridgeError } from '../../src/core/errors.js';
import type { ReplayTiming } from './wasm-raw.js';

/** How to get the native reference on Debian/Ubuntu. */
export const NATIVE_INSTALL_HINT = 'sudo apt-get update && sudo apt-get install -y libmujoco-dev';

const NATIVE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'native');
const SOURCE = join(NATIVE_DIR, 'step.c');
const BINARY = join(NATIVE_DIR, 'build', 'step');

/** The harness binary, or why there is none (with the fix). */
export type NativeHarness =
  | { readonly ok: true; readonly binary: string }
  | { readonly ok: false; readonly reason: string };

/** Compiles the harness unless an up-to-date binary exists; never throws. */
export function buildNativeHarness(cc = process.env['CC'] ?? 'cc'): NativeHarness {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs)
    return { ok: true, binary: BINARY };
  mkdirSync(dirname(BINARY), { recursive: true });
  const r = spawnSync(cc, ['-O2', '-o', BINARY, SOURCE, '-lmujoco'], { encoding: 'utf8' });
  if (r.error !== undefined) {
    return {
      ok: false,
      reason: `no C compiler ("${cc}": ${r.error.message}); install one (sudo apt-get install -y gcc) and libmujoco-dev (${NATIVE_INSTALL_HINT})`,
    };
  }
  if (r.status !== 0) {
    const missing = /mujoco\/mujoco\.h|-lmujoco|cannot find.*mujoco/.test(r.stderr);
    return {
      ok: false,
      reason: missing
        ? `libmujoco-dev is not installed; install it with: ${NATIVE_INSTALL_HINT}`
        : `compiling ${SOURCE} failed: ${r.stderr.trim().split('\n').slice(0, 3).join(' / ')}`,
    };
  }
  return { ok: true, binary: BINARY };
}

/** What one harness run reports. */
export interface NativeRun {
  /** MuJoCo version of the linked library, e.g. "2.2.2". */
  readonly version: string;
  readonly timings: readonly (ReplayTiming & { readonly badqacc: number })[];
}

/**
 * Runs the harness on `modelFile` with the protocol file: `warmup` untimed passes, then `timed` timed
 * ones. A model that the native MuJoCo cannot load is an `mjcf` error carrying MuJoCo's own message.
 */
export function runNative(
  binary: string,
  modelFile: string,
  protocolFile: string,
  warmup: number,
  timed: number,
): NativeRun {
  const r = spawnSync(binary, [modelFile, protocolFile, String(warmup), String(timed)], { encoding: 'utf8' });
  if (r.error !== undefined) throw new GailBridgeError('file', `cannot run ${binary}: ${r.error.message}`);
  const stderr = r.stderr.trim();
  if (r.status === 3) throw new GailBridgeError('mjcf', `native MuJoCo cannot load ${modelFile}: ${stderr}`);
  if (r.status !== 0) throw new GailBridgeError('file', `${binary} exited with ${r.status}: ${stderr}`);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const version = String(lines[0]?.['mujoco'] ?? 'unknown');
  const timings = lines.slice(1).map((l) => ({
    seconds: Number(l['seconds']),
    physicsSteps: Number(l['physicsSteps']),
    badqacc: Number(l['badqacc']),
  }));
  if (timings.length !== timed || timings.some((t) => !(t.seconds > 0))) {
    throw new GailBridgeError('file', `${binary}: expected ${timed} timing lines, got: ${r.stdout.trim()}`);
  }
  return { version, timings };
}
