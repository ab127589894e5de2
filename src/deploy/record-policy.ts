/**
 * A policy file as a deploy-time `Policy`: the deterministic mean action computed in plain float64
 * JavaScript (`compilePolicyMean` of src/data/policy-file.ts), so deploy needs no TensorFlow.js backend and one
 * observation costs microseconds. Only `deterministic` mode is offered: a robot is not the place to sample.
 */
import { GailBridgeError } from '../core/errors.js';
import { compilePolicyMean, type PolicyRecord, validatePolicyRecord } from '../data/policy-file.js';
import type { ActMode, ActResult, Policy } from '../learn/types.js';

/** Evaluations run at construction so the first control cycles do not pay for JIT compilation. */
const WARM_UP_CALLS = 2000;

/** The mean action of a validated policy record. Holds no native handles; dispose only marks it unusable. */
export class RecordPolicy implements Policy {
  readonly obsDim: number;
  readonly actDim: number;
  private disposed = false;
  private readonly mean: (obs: ArrayLike<number>, n: number) => Float64Array;

  constructor(
    readonly record: PolicyRecord,
    what = 'policy',
  ) {
    validatePolicyRecord(record, what);
    this.obsDim = record.architecture.obsDim;
    this.actDim = record.architecture.actDim;
    this.mean = compilePolicyMean(record);
    // Warm the evaluator up before it meets a robot: the JIT compiles it here (a few ms at start-up)
    // rather than during the first control cycles, where a compile pause would be a deadline miss.
    const neutral = Float64Array.from(record.obsNorm.mean);
    for (let k = 0; k < WARM_UP_CALLS; k++) this.mean(neutral, 1);
  }

  act(obs: Float32Array, n: number, mode: ActMode): ActResult {
    if (this.disposed) throw new GailBridgeError('state', 'policy: act() after dispose');
    if (mode !== 'deterministic')
      throw new GailBridgeError('state', 'policy: deploy runs the mean action only (mode deterministic)');
    return { actions: Float32Array.from(this.mean(obs, n)), logProbs: new Float32Array(n) };
  }

  dispose(): void {
    this.disposed = true;
  }
}
