/** Tiny builders for stream tests: 1-D observations and actions make rows easy to read. */
import { END_CODES, makeStepBatch, type StepBatch } from '../../src/streams/step-batch.js';

export type EndName = keyof typeof END_CODES;

/** One env's step: obs, action, reward, next obs, end. */
export interface LaneStep {
  readonly o: number;
  readonly a: number;
  readonly r?: number;
  readonly next?: number;
  readonly end?: EndName;
}

/** A StepBatch with obsDim = actDim = 1, one lane per argument. */
export function sb(...lanes: LaneStep[]): StepBatch {
  const N = lanes.length;
  return makeStepBatch({
    numEnvs: N,
    obsDim: 1,
    actDim: 1,
    obs: Float32Array.from(lanes.map((l) => l.o)),
    actions: Float32Array.from(lanes.map((l) => l.a)),
    logProbs: Float32Array.from(lanes.map(() => -1)),
    rewards: Float32Array.from(lanes.map((l) => l.r ?? 1)),
    nextObs: Float32Array.from(lanes.map((l) => l.next ?? l.o + 1)),
    ends: Uint8Array.from(lanes.map((l) => END_CODES[l.end ?? 'none'])),
  });
}
