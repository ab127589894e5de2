/**
 * Fault-injection operators for observation streams (specs/failure-cases.md, Deploy): what a robot
 * driver or a network does to messages, so the deploy runner's envelope can be tested on a virtual clock.
 * Each operator picks the messages it affects by their 0-based index in the subscription (a `FaultWindow`),
 * keeps per-subscription state only, and leaves every other message untouched and on time.
 */
import {
  asyncScheduler,
  concatMap,
  defer,
  filter,
  from,
  type MonoTypeOperatorFunction,
  map,
  mergeMap,
  type Observable,
  of,
  type SchedulerLike,
  timer,
} from 'rxjs';
import type { JointState } from '../ros/messages.js';

/** Which messages (by index in the subscription) a fault affects. */
export type FaultWindow = (index: number) => boolean;

/** Messages `from` ≤ i < `to`. */
export function between(from: number, to: number): FaultWindow {
  return (i) => i >= from && i < to;
}

/** Exactly the listed indices. */
export function at(...indices: number[]): FaultWindow {
  const set = new Set(indices);
  return (i) => set.has(i);
}

/** Removes the affected messages (a lossy link, a driver that skips cycles). */
export function dropFault<T>(when: FaultWindow): MonoTypeOperatorFunction<T> {
  return filter((_, i) => !when(i));
}

/**
 * Delivers the affected messages `delayMs` later on `scheduler`; the others pass at once, so a delayed
 * message can arrive after newer ones (as over UDP). Completion waits for pending delayed messages.
 */
export function delayFault<T>(
  delayMs: number,
  when: FaultWindow,
  scheduler: SchedulerLike = asyncScheduler,
): MonoTypeOperatorFunction<T> {
  return mergeMap((v, i) => (when(i) ? timer(delayMs, scheduler).pipe(map(() => v)) : of(v)));
}

/**
 * Replaces each affected message by the last message before the window (a stuck driver that keeps
 * republishing old data, header stamp included). With no earlier message the message passes unchanged.
 */
export function freezeFault<T>(when: FaultWindow): MonoTypeOperatorFunction<T> {
  return (source: Observable<T>) =>
    defer(() => {
      let last: { v: T } | undefined;
      return source.pipe(
        map((v, i) => {
          if (when(i) && last) return last.v;
          last = { v };
          return v;
        }),
      );
    });
}

/** Emits each affected message `copies` times in a row (a duplicating bridge or retransmission). */
export function duplicateFault<T>(when: FaultWindow, copies = 2): MonoTypeOperatorFunction<T> {
  return concatMap((v, i) => (when(i) ? from(Array.from({ length: copies }, () => v)) : of(v)));
}

/** Replaces each affected message by `corrupt(message)` (NaN injection; see `nanJointState`). */
export function nanFault<T>(when: FaultWindow, corrupt: (message: T) => T): MonoTypeOperatorFunction<T> {
  return map((v, i) => (when(i) ? corrupt(v) : v));
}

/** A copy of a JointState with `field[index]` set to `value` (NaN by default). */
export function nanJointState(
  field: 'position' | 'velocity' | 'effort' = 'position',
  index = 0,
  value = Number.NaN,
): (m: JointState) => JointState {
  return (m) => {
    const arr = Array.from(m[field]);
    arr[index] = value;
    return { ...m, [field]: arr };
  };
}
