/**
 * SIGINT, SIGTERM and SIGHUP (the terminal closed, or the output lost: src/cli/lost-output.ts) for
 * training commands, handled alike: the first asks the run to stop after the
 * round in progress (the run layer then writes its checkpoint and report, and the command exits 130 or
 * 143); a second one exits at once with the same code, leaving the last periodic checkpoint — unless it
 * comes within `repeatWindowMs` of the first: under `ros2 launch`, Ctrl-C reaches a process twice at once
 * (the terminal's SIGINT to the process group and launch's own), which is one request, not two.
 */
import type { EventEmitter } from 'node:events';
import type { StopRequest } from '../run/stop.js';
import { type HandledSignal, SIGNAL_EXIT_CODES } from './finish-on-signal.js';

export interface StopOnSignalOptions {
  /** Where signals arrive; default `process`. */
  readonly target?: Pick<EventEmitter, 'on' | 'off'>;
  /** How to exit on a second signal; default `process.exit`. */
  readonly exit?: (code: number) => void;
  /** Told what happens (the progress bar's log in the CLI). */
  readonly log?: (line: string) => void;
  /** A repeat this soon after the first signal is the same request; default 1000 ms. */
  readonly repeatWindowMs?: number;
  /** Milliseconds, for the repeat window; default performance.now. */
  readonly now?: () => number;
}

/** Turns SIGINT/SIGTERM into `stop.request(signal)`; returns the function that removes the handlers. */
export function stopOnSignal(stop: StopRequest, options: StopOnSignalOptions = {}): () => void {
  const target = options.target ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const now = options.now ?? (() => performance.now());
  const window = options.repeatWindowMs ?? 1000;
  let firstAt = 0;
  const handlers = (Object.keys(SIGNAL_EXIT_CODES) as HandledSignal[]).map((signal) => {
    const handler = (): void => {
      if (stop.requested && now() - firstAt < window) return;
      if (stop.requested) {
        options.log?.(`${signal} again: exiting now; the last periodic checkpoint is kept`);
        exit(SIGNAL_EXIT_CODES[signal]);
        return;
      }
      stop.request(signal);
      firstAt = now();
      options.log?.(`${signal}: stopping after the round in progress (${signal} again to quit at once)…`);
    };
    target.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) target.off(signal, handler);
  };
}

/** The exit code of a run stopped by `reason`: 143 for SIGTERM, 129 for SIGHUP, else 130 (SIGINT's). */
export function stoppedExitCode(reason: string | undefined): number {
  if (reason === 'SIGTERM') return SIGNAL_EXIT_CODES.SIGTERM;
  return reason === 'SIGHUP' ? SIGNAL_EXIT_CODES.SIGHUP : SIGNAL_EXIT_CODES.SIGINT;
}
