/** Signal sources for tests of the training commands (no real process signals). */
import { EventEmitter } from 'node:events';

/**
 * Delivers `signal` right after a handler for it is installed, as if the user pressed Ctrl-C (or the
 * system sent SIGTERM) while the first round runs: the run then ends after that round.
 */
export function signalAtStart(signal: 'SIGINT' | 'SIGTERM'): Pick<EventEmitter, 'on' | 'off'> & {
  readonly delivered: () => number;
} {
  const emitter = new EventEmitter();
  let delivered = 0;
  const target = {
    on(event: string | symbol, handler: (...args: unknown[]) => void) {
      emitter.on(event, handler);
      if (event === signal)
        setImmediate(() => {
          delivered++;
          emitter.emit(signal);
        });
      return target as unknown as EventEmitter;
    },
    off(event: string | symbol, handler: (...args: unknown[]) => void) {
      emitter.off(event, handler);
      return target as unknown as EventEmitter;
    },
    delivered: () => delivered,
  };
  return target;
}

/** A usage error as the command line reports it, thrown for tests. */
export function usage(message: string): never {
  throw new Error(`usage: ${message}`);
}
