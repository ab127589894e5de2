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

/**
 * A policy that writes its mean action for one observation into the caller's buffer. The deploy loop
 * prefers it to `act` (which returns fresh arrays): a control cycle that allocates nothing gives the
 * garbage collector no reason to pause inside it.
 */
export interface MeanActionInto {
  meanInto(obs: ArrayLike<number>, out: Float64Array): void;
}

/** True when `policy` offers `meanInto`. */
export function hasMeanInto<P extends object>(policy: P): policy is P & MeanActionInto {
  return typeof (policy as Partial<MeanActionInto>).meanInto === 'function';
}

/** The mean action of a validated policy record. Holds no native handles; dispose only marks it unusable. */
export class RecordPolicy implements Policy, MeanActionInto {
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
    // A Float32Array, as the deploy loop passes: warming up on another array type would leave the hot
    // path to be re-optimised (boxing every product meanwhile) during the first real cycles.
    const neutral = Float32Array.from(record.obsNorm.mean);
    const out = new Float64Array(this.actDim);
    for (let k = 0; k < WARM_UP_CALLS; k++) this.meanInto(neutral, out);
  }

  act(obs: Float32Array, n: number, mode: ActMode): ActResult {
    if (this.disposed) throw new GailBridgeError('state', 'policy: act() after dispose');
    if (mode !== 'deterministic')
      throw new GailBridgeError('state', 'policy: deploy runs the mean action only (mode deterministic)');
    return { actions: Float32Array.from(this.mean(obs, n)), logProbs: new Float32Array(n) };
  }

  /** One observation's mean action into `out` (length actDim), allocating nothing. */
  meanInto(obs: ArrayLike<number>, out: Float64Array): void {
    if (this.disposed) throw new GailBridgeError('state', 'policy: meanInto() after dispose');
    // Rounded to float32 like `act`'s actions, so both paths publish the same command.
    const m = this.mean(obs, 1);
    for (let i = 0; i < this.actDim; i++) out[i] = Math.fround(m[i]!);
  }

  dispose(): void {
    this.disposed = true;
  }
}
