/**
 * The replay source: recorded trajectories as step batches of the same shape the simulation source
 * emits, so demonstrations and rollouts flow through the same collector (DESIGN "Data flow").
 *
 * Trajectories are dealt round-robin to `numEnvs` lanes; each emission is one step of every lane. The
 * source completes when a lane finishes a trajectory and none is left to deal: with one lane (the
 * default) every step is emitted; with more, the other lanes' unfinished tails are dropped.
 * `interrupted` recordings map to `truncated` (the data ends, the episode did not: no absorbing state).
 */
import { Observable, type SchedulerLike } from 'rxjs';
import { GailBridgeError } from '../core/errors.js';
import type { Trajectory } from '../core/trajectory.js';
import { END_CODES, type EndCode, makeStepBatch, type StepBatch } from './step-batch.js';

export interface ReplaySourceOptions {
  /** Lanes stepped together; default 1. */
  readonly numEnvs?: number;
  /** Schedules each batch (tests); default: emit synchronously on subscribe. */
  readonly scheduler?: SchedulerLike;
  /** Delay between batches on `scheduler`; default 1. */
  readonly delay?: number;
}

const TRAJECTORY_END_CODE: Readonly<Record<Trajectory['end'], EndCode>> = {
  terminated: END_CODES.terminated,
  truncated: END_CODES.truncated,
  diverged: END_CODES.diverged,
  interrupted: END_CODES.truncated,
};

/** Step batches replaying `trajectories`; see the file comment for lanes and completion. */
export function replaySource(
  trajectories: readonly Trajectory[],
  options: ReplaySourceOptions = {},
): Observable<StepBatch> {
  const N = options.numEnvs ?? 1;
  if (!Number.isInteger(N) || N <= 0)
    throw new GailBridgeError('config', `replay source numEnvs: expected a positive integer, got ${N}`);
  const first = trajectories.find((t) => t.length > 0);
  return new Observable<StepBatch>((subscriber) => {
    if (!first) {
      subscriber.complete();
      return;
    }
    const { obsDim, actDim } = first;
    for (const [k, t] of trajectories.entries()) {
      if (t.obsDim !== obsDim || t.actDim !== actDim) {
        subscriber.error(
          new GailBridgeError(
            'shape',
            `replay source: trajectory ${k} has obsDim/actDim ${t.obsDim}/${t.actDim}, expected ${obsDim}/${actDim}`,
          ),
        );
        return;
      }
    }
    const queue = trajectories.filter((t) => t.length > 0);
    let dealt = 0;
    const lanes: { traj: Trajectory; t: number }[] = [];
    for (let i = 0; i < N; i++) {
      const traj = queue[dealt++];
      if (!traj) break;
      lanes.push({ traj, t: 0 });
    }
    if (lanes.length < N) {
      subscriber.error(
        new GailBridgeError(
          'config',
          `replay source: ${N} lanes need at least ${N} non-empty trajectories, got ${queue.length}`,
        ),
      );
      return;
    }

    /** Emits one batch; returns false when the source has completed. */
    const emitOne = (): boolean => {
      const obs = new Float32Array(N * obsDim);
      const nextObs = new Float32Array(N * obsDim);
      const actions = new Float32Array(N * actDim);
      const rewards = new Float32Array(N);
      const ends = new Uint8Array(N);
      let exhausted = false;
      lanes.forEach((lane, i) => {
        const { traj, t } = lane;
        obs.set(traj.obs.subarray(t * obsDim, (t + 1) * obsDim), i * obsDim);
        nextObs.set(traj.obs.subarray((t + 1) * obsDim, (t + 2) * obsDim), i * obsDim);
        actions.set(traj.acts.subarray(t * actDim, (t + 1) * actDim), i * actDim);
        rewards[i] = traj.rewards?.[t] ?? 0;
        if (t + 1 === traj.length) {
          ends[i] = TRAJECTORY_END_CODE[traj.end];
          const next = queue[dealt++];
          if (next) lanes[i] = { traj: next, t: 0 };
          else exhausted = true;
        } else {
          lane.t = t + 1;
        }
      });
      subscriber.next(
        makeStepBatch({
          numEnvs: N,
          obsDim,
          actDim,
          obs,
          actions,
          logProbs: new Float32Array(N),
          rewards,
          nextObs,
          ends,
        }),
      );
      if (exhausted) subscriber.complete();
      return !exhausted;
    };

    const scheduler = options.scheduler;
    if (!scheduler) {
      while (!subscriber.closed && emitOne()) {
        // every step is emitted synchronously; the loop stops on unsubscribe or exhaustion
      }
      return;
    }
    const delay = options.delay ?? 1;
    const tick = (): void => {
      if (!subscriber.closed && emitOne()) subscriber.add(scheduler.schedule(tick, delay));
    };
    subscriber.add(scheduler.schedule(tick, delay));
  });
}
