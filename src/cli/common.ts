/**
 * What every command shares: the `--json` convention (one JSON object on stdout, everything human on
 * stderr), progress bars on stderr, and turning a `GailBridgeError` into a one-paragraph message and
 * its exit code (exit-codes.ts) instead of a stack trace.
 */
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { GailBridgeError } from '../core/errors.js';
import { exitCodeFor } from './exit-codes.js';

/** Prints the command's result: the object as JSON on stdout with `--json`, else `human()` on stdout. */
export function report(json: boolean, result: unknown, human: () => string): void {
  if (json) process.stdout.write(`${JSON.stringify(result, jsonReplacer)}\n`);
  else process.stdout.write(`${human()}\n`);
}

/** JSON has no NaN or Infinity: encode them explicitly rather than letting them become null. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

/** Human-facing lines go to stderr so that stdout stays clean for `--json`. */
export function info(line: string): void {
  process.stderr.write(`${line}\n`);
}

export interface Progress {
  update(value: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

/**
 * A progress bar on stderr when it is a terminal; otherwise (CI, pipes) a line every `everyPercent`
 * percent so logs stay readable.
 */
export function progressBar(
  total: number,
  label: string,
  fields: string[] = [],
  everyPercent = 10,
): Progress {
  const extra = fields.map((f) => ` ${f}: {${f}}`).join('');
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      format: `${label} [{bar}] {percentage}% {value}/{total} eta {eta_formatted}${extra}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
    });
    const empty = Object.fromEntries(fields.map((f) => [f, '-']));
    bar.start(total, 0, empty);
    return { update: (v, p) => bar.update(v, p ?? {}), stop: () => bar.stop() };
  }
  let nextMark = 0;
  return {
    update(value, payload) {
      const pct = (100 * value) / Math.max(total, 1);
      if (pct + 1e-9 >= nextMark) {
        const rest = fields.map((f) => ` ${f}: ${payload?.[f] ?? '-'}`).join('');
        info(`${label} ${value}/${total} (${pct.toFixed(0)}%)${rest}`);
        nextMark = Math.floor(pct / everyPercent) * everyPercent + everyPercent;
      }
    },
    stop() {},
  };
}

/**
 * Runs a command body, turning expected failures into a clear message and their exit code (exit-codes.ts:
 * 1 for a usage error, 2 for bad input); anything else is rethrown for main to report as a bug.
 */
export async function runCommand(body: () => Promise<void> | void): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof GailBridgeError) {
      info(`gail-bridge: ${err.message}`);
      process.exitCode = exitCodeFor(err);
      return;
    }
    throw err;
  }
}

/** Parses a positive integer option, naming the option on error. */
export function positiveInt(name: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0)
      throw new GailBridgeError('usage', `${name}: expected a positive integer, got "${v}"`);
    return n;
  };
}

/** Parses an integer option (seed), naming the option on error. */
export function integer(name: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new GailBridgeError('usage', `${name}: expected an integer, got "${v}"`);
    return n;
  };
}

/**
 * Adds `--task`, `--model` and `--task-config` (what the command runs on: a built-in task or an MJCF robot
 * as a generic task; config/task.ts `envTargetFromFlags`) to `command`; `fallback` says what applies
 * when none is given.
 */
export function addEnvTargetOptions(command: Command, fallback: string): Command {
  return command
    .option('--task <name>', `built-in task (see \`gail-bridge tasks\`); default: ${fallback}`)
    .option(
      '--model <robot.xml>',
      'an MJCF robot instead, as a generic task (observation qpos ++ qvel, no reward)',
    )
    .option(
      '--task-config <file.yaml>',
      'generic task options for --model (config/tasks/*.yaml): termination rules, frame skip, horizon; may name the model',
    );
}
