/**
 * SIGINT/SIGTERM (and SIGHUP: the terminal closed, or the output lost, src/cli/lost-output.ts) for commands that write files (specs/failure-cases.md, Recording: "file finished:
 * summary and index written"): the first signal finishes the file, then exits with 128 + signal number;
 * a second signal while finishing exits at once (the file is then repairable with `inspect --repair`) —
 * unless it comes within `repeatWindowMs` of the first. Ctrl-C under `ros2 launch` reaches a process twice
 * within milliseconds (the terminal signals the whole process group, and launch forwards SIGINT to each
 * child): taken as "exit now", it cut record's file without its summary on every launch Ctrl-C.
 */
import type { EventEmitter } from 'node:events';

/** The signals a command handles, and the exit code of each (128 + signal number). */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
export type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;

export interface FinishOnSignalOptions {
  /** Where signals arrive; default `process`. */
  readonly target?: Pick<EventEmitter, 'on' | 'off'>;
  /** How to exit; default `process.exit`. */
  readonly exit?: (code: number) => void;
  /** Told what happened (stderr in the CLI). */
  readonly log?: (line: string) => void;
  /** A repeated signal this soon after the first is the same request, not "exit now"; default 1000 ms. */
  readonly repeatWindowMs?: number;
  /** Milliseconds, for the repeat window; default performance.now. */
  readonly now?: () => number;
}

/**
 * Runs `finish` (e.g. `writer.close()`) on SIGINT or SIGTERM, then exits. Returns a function that removes
 * the handlers (call it once the file is finished normally).
 */
export function finishOnSignal(
  finish: () => Promise<unknown>,
  options: FinishOnSignalOptions = {},
): () => void {
  const target = options.target ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let finishing = false;
  let firstAt = 0;
  const now = options.now ?? (() => performance.now());
  const window = options.repeatWindowMs ?? 1000;
  const handlers = Object.entries(SIGNAL_EXIT_CODES).map(([signal, code]) => {
    const handler = (): void => {
      if (finishing && now() - firstAt < window) {
        options.log?.(
          `${signal} again within ${window} ms: taken as the same request, still finishing the file`,
        );
        return;
      }
      if (finishing) {
        options.log?.(`${signal} again: exiting without finishing the file`);
        exit(code);
        return;
      }
      finishing = true;
      firstAt = now();
      options.log?.(`${signal}: finishing the file before exiting`);
      finish().then(
        () => exit(code),
        (err: unknown) => {
          options.log?.(`could not finish the file: ${(err as Error).message}`);
          exit(code);
        },
      );
    };
    target.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) target.off(signal, handler);
  };
}
