/**
 * What every command shares: the `--json` convention (one JSON object on stdout, everything human on
 * stderr), progress bars on stderr, and turning a `GailBridgeError` into a one-paragraph message and
 * its exit code (exit-codes.ts) instead of a stack trace.
 */
import { MultiBar } from 'cli-progress';
import { type Command, Option } from 'commander';
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

/** A progress display: a bar on a terminal, a line every few percent elsewhere. */
export interface Progress {
  /** Moves the bar to `value`; `payload` sets the named fields (any names, "steps/s" included). */
  update(value: number, payload?: Readonly<Record<string, string | number>>): void;
  /** A line for the user: printed above the bar, never on its line. */
  log(line: string): void;
  stop(): void;
}

/** Where progress goes: stderr, or a test's stream. A terminal has `isTTY` (and `columns`). */
export type ProgressStream = NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number };

/**
 * cli-progress substitutes only `{word}` placeholders (/\{(\w+)\}/), so a field such as "steps/s" is
 * carried under a key made of word characters and shown under its own name.
 */
export function payloadKey(field: string): string {
  return `f_${field.replace(/\W/g, '_')}`;
}

/**
 * A progress bar when `stream` (default stderr) is a terminal; otherwise (CI, pipes) a line every
 * `everyPercent` percent so logs stay readable. The bar starts at the first `update`, so lines logged
 * before it (the backend, the demos) stand on their own lines; lines logged while it runs go through
 * `log`, which prints them above the bar.
 */
export function progressBar(
  total: number,
  label: string,
  fields: readonly string[] = [],
  options: { readonly everyPercent?: number; readonly stream?: ProgressStream; readonly start?: number } = {},
): Progress {
  const stream = options.stream ?? process.stderr;
  const everyPercent = options.everyPercent ?? 10;
  const write = (line: string): void => void stream.write(`${line}\n`);
  if (stream.isTTY) {
    const extra = fields.map((f) => `  ${f}: {${payloadKey(f)}}`).join('');
    let multi: MultiBar | undefined;
    let bar: ReturnType<MultiBar['create']> | undefined;
    let stopped = false;
    const keyed = (payload: Readonly<Record<string, string | number>> = {}) =>
      Object.fromEntries(fields.map((f) => [payloadKey(f), payload[f] ?? '-']));
    return {
      update(value, payload) {
        if (stopped) return;
        if (!multi) {
          multi = new MultiBar({
            format: `${label} [{bar}] {percentage}% {value}/{total} eta {eta_formatted}${extra}`,
            stream,
            hideCursor: true,
            clearOnComplete: false,
            // The bar is redrawn after every logged line, which clears its line first.
            forceRedraw: true,
          });
          bar = multi.create(total, options.start ?? 0, keyed());
        }
        bar!.update(value, keyed(payload));
      },
      log(line) {
        if (!multi || stopped) return write(line);
        multi.log(`${line}\n`);
        multi.update();
      },
      stop() {
        if (stopped) return;
        stopped = true;
        if (multi) {
          multi.update();
          multi.stop();
        }
      },
    };
  }
  let nextMark = 0;
  return {
    update(value, payload) {
      const pct = (100 * value) / Math.max(total, 1);
      if (pct + 1e-9 >= nextMark) {
        const rest = fields.map((f) => ` ${f}: ${payload?.[f] ?? '-'}`).join('');
        write(`${label} ${value}/${total} (${pct.toFixed(0)}%)${rest}`);
        nextMark = Math.floor(pct / everyPercent) * everyPercent + everyPercent;
      }
    },
    log: write,
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

/** --mode of the commands that run a policy (`demos`, `eval`): its deterministic or stochastic action. */
export function modeOption(): Option {
  return new Option('--mode <mode>', 'action mode')
    .choices(['deterministic', 'stochastic'])
    .default('deterministic');
}

/** Parses a number option that must pass `check`, naming the option and what it wants on error. */
export function numberOption(
  name: string,
  check: (n: number) => boolean,
  want: string,
): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || !check(n))
      throw new GailBridgeError('usage', `${name}: expected ${want}, got "${v}"`);
    return n;
  };
}

/** Parses a positive number option. */
export const positiveNumber = (name: string) => numberOption(name, (n) => n > 0, 'a positive number');

/** Parses a number ≥ 0. */
export const nonNegative = (name: string) => numberOption(name, (n) => n >= 0, 'a number ≥ 0');

/** Parses "64,64" into layer widths, naming the option on error. */
export function widths(name: string): (v: string) => number[] {
  return (v: string) => {
    const w = v.split(',').map((s) => Number(s.trim()));
    if (w.length === 0 || w.some((x) => !Number.isInteger(x) || x <= 0))
      throw new GailBridgeError('usage', `${name}: expected comma-separated positive integers, got "${v}"`);
    return w;
  };
}
