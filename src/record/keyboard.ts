/**
 * Keyboard control of the recorder in the terminal: single keys in raw mode (no Enter), so the operator
 * keeps both hands near the teleop device. Raw mode swallows the terminal's SIGINT, so Ctrl-C arrives as
 * a key and is reported as `quit`, which the CLI treats like SIGINT (finish the file).
 */
import { emitKeypressEvents } from 'node:readline';
import { Observable } from 'rxjs';
import type { RecorderCommand } from './recorder.js';

/** Key → command, one map (STYLE 8); the help line is built from it. */
export const KEY_COMMANDS = {
  s: 'start',
  d: 'done',
  t: 'stop',
  x: 'discard',
  r: 'rerecord',
} as const satisfies Record<string, RecorderCommand>;

/** "s start · d done (terminated) · …", for the operator. */
export function keyHelp(): string {
  const what: Record<RecorderCommand, string> = {
    start: 'start',
    done: 'done (task completed: terminated)',
    stop: 'stop (truncated)',
    discard: 'discard',
    rerecord: 're-record',
  };
  return `${Object.entries(KEY_COMMANDS)
    .map(([k, c]) => `${k} ${what[c]}`)
    .join(' · ')} · q quit`;
}

/** A terminal-like input: a readable stream, in raw mode when it is a TTY. */
export interface KeyInput extends NodeJS.EventEmitter {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  resume(): unknown;
  pause(): unknown;
}

/**
 * Commands typed on `input`, plus `quit` for q and Ctrl-C. Subscribing puts a TTY in raw mode;
 * unsubscribing restores it and stops reading, so the process can exit.
 */
export function keyCommands(input: KeyInput): Observable<RecorderCommand | 'quit'> {
  return new Observable((subscriber) => {
    emitKeypressEvents(input as NodeJS.ReadableStream);
    const raw = input.isTTY === true && typeof input.setRawMode === 'function';
    if (raw) input.setRawMode!(true);
    const onKey = (str: string | undefined, key: { name?: string; ctrl?: boolean } | undefined): void => {
      if ((key?.ctrl && key.name === 'c') || key?.name === 'q' || str === 'q') {
        subscriber.next('quit');
        return;
      }
      const name = (key?.name ?? str ?? '').toLowerCase();
      if (Object.hasOwn(KEY_COMMANDS, name)) subscriber.next(KEY_COMMANDS[name as keyof typeof KEY_COMMANDS]);
    };
    input.on('keypress', onKey);
    input.resume();
    return () => {
      input.off('keypress', onKey);
      if (raw) input.setRawMode!(false);
      input.pause();
    };
  });
}
