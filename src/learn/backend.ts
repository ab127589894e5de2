/**
 * Choosing the TensorFlow.js backend (DESIGN "Learning"): `tensorflow` (libtensorflow through
 * `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`) when one is installed, else `wasm` (SIMD,
 * one thread in Node), else `cpu`. Every learner in this folder runs the same code on all three.
 */

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { GailBridgeError } from '../core/errors.js';

/** What the user asks for; `auto` picks the fastest one that loads. */
export const BACKEND_CHOICES = {
  auto: 'tensorflow when @tensorflow/tfjs-node(-gpu) is installed, else wasm, else cpu',
  tensorflow: 'libtensorflow via @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm (XNNPACK, SIMD), one thread',
  cpu: 'plain JavaScript kernels (slowest; always available)',
} as const;
export type BackendChoice = keyof typeof BACKEND_CHOICES;
export const BACKEND_CHOICE_NAMES = Object.keys(BACKEND_CHOICES) as BackendChoice[];

/** The backend that was set, and what provided it. */
export interface BackendInfo {
  /** tf.getBackend() after the choice: "tensorflow" | "wasm" | "cpu". */
  readonly name: string;
  /** The package that registered it (e.g. "@tensorflow/tfjs-node-gpu"). */
  readonly provider: string;
  /** One line for the user, e.g. "backend: wasm (@tensorflow/tfjs-backend-wasm, SIMD, 1 thread)". */
  readonly description: string;
}

/** Parses a `--backend` value, naming the valid ones on error. */
export function parseBackendChoice(value: string): BackendChoice {
  if (Object.hasOwn(BACKEND_CHOICES, value)) return value as BackendChoice;
  throw new GailBridgeError(
    'config',
    `--backend: expected one of ${BACKEND_CHOICE_NAMES.join(', ')}, got "${value}"`,
  );
}

/** Imports a package that may not be installed (optional peer); false when it is absent or fails. */
async function tryImport(specifier: string): Promise<boolean> {
  try {
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

async function setTensorflow(): Promise<BackendInfo | undefined> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    if ((await tryImport(pkg)) && (await tf.setBackend('tensorflow'))) {
      await tf.ready();
      return { name: 'tensorflow', provider: pkg, description: `backend: tensorflow (${pkg})` };
    }
  }
  return undefined;
}

let wasmPathsSet = false;

async function setWasm(): Promise<BackendInfo | undefined> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (!wasmPathsSet) {
      // In Node the .wasm binaries load from a file-path prefix; the default (a CDN URL) is unreachable
      // offline. One thread: Node has no SharedArrayBuffer workers for the threaded build's pool here.
      const require = createRequire(import.meta.url);
      const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
      wasm.setWasmPaths(`${dist}/`);
      wasm.setThreadsCount(1);
      wasmPathsSet = true;
    }
    if (!(await tf.setBackend('wasm'))) return undefined;
    await tf.ready();
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
    return {
      name: 'wasm',
      provider: '@tensorflow/tfjs-backend-wasm',
      description: `backend: wasm (@tensorflow/tfjs-backend-wasm, ${simd}, 1 thread)`,
    };
  } catch {
    return undefined;
  }
}

async function setCpu(): Promise<BackendInfo> {
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: 'cpu', provider: '@tensorflow/tfjs-backend-cpu', description: 'backend: cpu (JavaScript)' };
}

/**
 * Sets the TensorFlow.js backend for this process and says which one it is. An explicit choice that
 * cannot load is an error naming what to install; `auto` falls through tensorflow → wasm → cpu.
 */
export async function useBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  switch (choice) {
    case 'auto':
      return (await setTensorflow()) ?? (await setWasm()) ?? (await setCpu());
    case 'tensorflow': {
      const info = await setTensorflow();
      if (info) return info;
      throw new GailBridgeError(
        'config',
        '--backend tensorflow: neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node could be loaded; ' +
          'install one (it downloads libtensorflow at install time) or use --backend wasm',
      );
    }
    case 'wasm': {
      const info = await setWasm();
      if (info) return info;
      throw new GailBridgeError(
        'config',
        '--backend wasm: @tensorflow/tfjs-backend-wasm could not be initialised; reinstall it or use --backend cpu',
      );
    }
    case 'cpu':
      return setCpu();
    default: {
      const never: never = choice;
      throw new GailBridgeError('config', `unknown backend ${String(never)}`);
    }
  }
}

/** The backends this machine can run, in `auto`'s order (for benchmarks). Leaves the last one set. */
export async function availableBackends(): Promise<BackendInfo[]> {
  const found: BackendInfo[] = [];
  for (const set of [setTensorflow, setWasm, setCpu]) {
    const info = await set();
    if (info) found.push(info);
  }
  return found;
}
