/**
 * `StepBatch`: one synchronous step of N envs (or N replay lanes), the unit a source emits. Streams move
 * batches, not scalars (DESIGN "Data flow"): the policy acts on all N observations at once and the
 * collector consumes whole batches.
 *
 *   numEnvs N, obsDim, actDim
 *   obs:      N × obsDim  observation each action was taken in (raw, un-normalised)
 *   actions:  N × actDim  action as sampled by the policy (before clipping)
 *   logProbs: N           log π(a|s) under the policy that acted (0 for replayed demonstrations)
 *   rewards:  N           the task's true reward (0 when the source has none); GAIL never learns from it
 *   nextObs:  N × obsDim  observation after the step; for an env whose episode ended, the episode's final
 *                         observation (the source resets that env before the next batch)
 *   ends:     N           END_CODES: 0 none, 1 terminated, 2 truncated, 3 diverged, 4 interrupted
 *
 * Terminated and truncated stay two facts (STYLE 5); `diverged` (the simulation blew up) and
 * `interrupted` (a ROS 2 robot or simulator went silent or away mid-episode) mark an episode to drop:
 * neither is learned as an end, in particular never as an absorbing state.
 */
import { GailBridgeError } from '../core/errors.js';
import type { StepEnd } from '../sim/types.js';

/** Per-env end codes in a `StepBatch`; one map so code ↔ name cannot drift (STYLE 8). */
export const END_CODES = { none: 0, terminated: 1, truncated: 2, diverged: 3, interrupted: 4 } as const;
export type EndCode = (typeof END_CODES)[keyof typeof END_CODES];

/** The code for a step's end reason (`undefined` → none). */
export function endCode(end: StepEnd | undefined): EndCode {
  return end === undefined ? END_CODES.none : END_CODES[end];
}

export interface StepBatch {
  readonly numEnvs: number;
  readonly obsDim: number;
  readonly actDim: number;
  readonly obs: Float32Array;
  readonly actions: Float32Array;
  readonly logProbs: Float32Array;
  readonly rewards: Float32Array;
  readonly nextObs: Float32Array;
  readonly ends: Uint8Array;
}

/** Validating constructor: every array's length is checked against N and the dims, naming both sides. */
export function makeStepBatch(fields: StepBatch): StepBatch {
  const { numEnvs: n, obsDim, actDim } = fields;
  for (const [what, v] of [
    ['numEnvs', n],
    ['obsDim', obsDim],
    ['actDim', actDim],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0)
      throw new GailBridgeError('shape', `step batch ${what}: expected a positive integer, got ${v}`);
  }
  const expected: ReadonlyArray<readonly [string, number, number]> = [
    ['obs', fields.obs.length, n * obsDim],
    ['actions', fields.actions.length, n * actDim],
    ['logProbs', fields.logProbs.length, n],
    ['rewards', fields.rewards.length, n],
    ['nextObs', fields.nextObs.length, n * obsDim],
    ['ends', fields.ends.length, n],
  ];
  for (const [what, got, want] of expected) {
    if (got !== want)
      throw new GailBridgeError(
        'shape',
        `step batch ${what}: expected length ${want} (N=${n}, obsDim=${obsDim}, actDim=${actDim}), got ${got}`,
      );
  }
  for (let i = 0; i < n; i++) {
    if (fields.ends[i]! > END_CODES.interrupted)
      throw new GailBridgeError('shape', `step batch ends[${i}]: unknown end code ${fields.ends[i]}`);
  }
  return Object.freeze({ ...fields });
}
