/**
 * Adam (Kingma & Ba 2015) over a fixed list of variables, written out rather than tf.train.adam so that
 * the learning rate can follow a schedule per step and the moments can be saved for --resume.
 *
 *   m ← β1 m + (1 − β1) g;  v ← β2 v + (1 − β2) g²;  θ ← θ − lr · m̂ / (√v̂ + ε)
 *
 * The update runs in JavaScript over one read of the gradients and the variables, not as tensor ops:
 * the networks here are small (a 2×64 policy and value: ~10k weights), so a step's cost is per-op
 * overhead, not arithmetic. Written per variable with tensor ops, one step was ~15 kernels a variable
 * (156 for PPO's 13 variables, 0.75 ms on wasm: as much as half the forward and backward pass); here it
 * is one read and one write per variable and no kernel (`bench/probes/ppo-step-split.ts`). Moments are
 * kept in float32, as the tensors were.
 */
import * as tf from '@tensorflow/tfjs';
import { GailBridgeError } from '../core/errors.js';
import { type NamedArrays, namedArray, takeArray } from './named-arrays.js';

/** Adam's constants. */
export interface AdamOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  /** Default 1e-5 (PPO implementations; the paper's 1e-8 is too small for float32 value targets). */
  readonly epsilon?: number;
}

/** What `Adam.step` does besides the update. */
export interface AdamStepOptions {
  /**
   * Scale the gradients to this global L2 norm when they exceed it (Pascanu et al. 2013; PPO's
   * max_grad_norm): g ← g · min(1, maxNorm / (‖g‖ + 1e-6)). Default Infinity (no clipping).
   */
  readonly maxNorm?: number;
  /** Tensors read in the same sync as the gradients (a loss and its parts), returned flat in order. */
  readonly read?: readonly tf.Tensor[];
}

/** A step taken: the gradients' global norm before clipping, and the values of `read`. */
export interface AdamStep {
  readonly norm: number;
  readonly read: Float32Array;
}

/** Owns its moments (plain arrays); the variables it updates belong to their networks. */
export class Adam {
  private readonly vars: readonly tf.Variable[];
  /** Offsets of each variable in the flat moment arrays (length vars + 1). */
  private readonly offsets: readonly number[];
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  /** Scratch copies of the gradients and the weights, reused by every step. */
  private readonly gradBuffer: Float32Array;
  private readonly thetaBuffer: Float32Array;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private t = 0;
  private disposed = false;

  constructor(vars: readonly tf.Variable[], options: AdamOptions = {}) {
    this.vars = vars;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-5;
    const offsets = [0];
    for (const x of vars) offsets.push(offsets[offsets.length - 1]! + x.size);
    this.offsets = offsets;
    this.m = new Float32Array(offsets[vars.length]!);
    this.v = new Float32Array(offsets[vars.length]!);
    this.gradBuffer = new Float32Array(offsets[vars.length]!);
    this.thetaBuffer = new Float32Array(offsets[vars.length]!);
  }

  /** Steps taken. */
  get steps(): number {
    return this.t;
  }

  /**
   * One step with `grads` (same order and shapes as the variables) at learning rate `lr`. The caller has
   * checked that they are finite; a non-finite gradient leaves every weight as it was.
   */
  apply(grads: readonly tf.Tensor[], lr: number): void {
    this.step(grads, lr);
  }

  /**
   * One step, optionally clipped to a global norm, reading `options.read` in the same sync. Undefined,
   * and nothing changed (no weight, moment or step count), when a gradient or a read value is not finite.
   */
  step(grads: readonly tf.Tensor[], lr: number, options: AdamStepOptions = {}): AdamStep | undefined {
    if (this.disposed) throw new GailBridgeError('state', 'Adam: used after dispose()');
    if (grads.length !== this.vars.length) {
      throw new GailBridgeError(
        'shape',
        `Adam.apply: expected ${this.vars.length} gradients, got ${grads.length}`,
      );
    }
    const read = options.read ?? [];
    const size = this.m.length;
    // Each tensor read on its own into preallocated arrays: on wasm a read is a copy out of the heap with
    // no kernel, where reshaping and concatenating them for one read cost a kernel per tensor.
    let nRead = 0;
    for (const x of read) nRead += x.size;
    const values = new Float32Array(nRead);
    let at = 0;
    for (const x of read) {
      values.set(x.dataSync() as Float32Array, at);
      at += x.size;
    }
    const g = this.gradBuffer;
    const theta = this.thetaBuffer;
    this.vars.forEach((x, k) => {
      const grad = grads[k]!;
      if (grad.size !== x.size)
        throw new GailBridgeError(
          'shape',
          `Adam.step: gradient ${k} has ${grad.size} elements, its variable ${x.name} ${x.size} (shape ${x.shape.join('×')})`,
        );
      g.set(grad.dataSync() as Float32Array, this.offsets[k]!);
      theta.set(x.dataSync() as Float32Array, this.offsets[k]!);
    });
    let sq = 0;
    for (let i = 0; i < size; i++) sq += g[i]! * g[i]!;
    const norm = Math.sqrt(sq);
    if (!Number.isFinite(norm) || !values.every(Number.isFinite)) return undefined;
    const maxNorm = options.maxNorm ?? Number.POSITIVE_INFINITY;
    const scale = Number.isFinite(maxNorm) ? Math.min(1, maxNorm / (norm + 1e-6)) : 1;

    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    // Bias corrections folded into the step size: lr·√c2/c1, with ε scaled to match (as in the paper, §2).
    const stepSize = (lr * Math.sqrt(c2)) / c1;
    const eps = this.epsilon * Math.sqrt(c2);
    const { m, v, beta1: b1, beta2: b2 } = this;
    for (let i = 0; i < size; i++) {
      const gi = g[i]! * scale;
      m[i] = b1 * m[i]! + (1 - b1) * gi;
      v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
      theta[i] = theta[i]! - (stepSize * m[i]!) / (Math.sqrt(v[i]!) + eps);
    }
    tf.tidy(() => {
      this.vars.forEach((x, k) => {
        // A copy: the cpu backend keeps the array it is given, and theta is reused by the next step.
        x.assign(tf.tensor(theta.slice(this.offsets[k]!, this.offsets[k + 1]!), x.shape));
      });
    });
    return { norm, read: values };
  }

  /** `${prefix}/m/i`, `${prefix}/v/i` per variable and `${prefix}/step` ([1]). */
  toArrays(prefix: string): NamedArrays {
    const out: Record<string, ReturnType<typeof namedArray>> = {
      [`${prefix}/step`]: namedArray([1], [this.t]),
    };
    this.vars.forEach((x, i) => {
      const [a, b] = [this.offsets[i]!, this.offsets[i + 1]!];
      out[`${prefix}/m/${i}`] = namedArray(x.shape, this.m.slice(a, b));
      out[`${prefix}/v/${i}`] = namedArray(x.shape, this.v.slice(a, b));
    });
    return out;
  }

  /** Restores moments and step count saved by `toArrays`. */
  loadArrays(arrays: NamedArrays, prefix: string): void {
    const t = takeArray(arrays, `${prefix}/step`, [1], 'Adam state')[0]!;
    // Read (and check) every array before changing anything, so a bad checkpoint leaves the state whole.
    const moments = this.vars.map((x, i) => [
      takeArray(arrays, `${prefix}/m/${i}`, x.shape, 'Adam state'),
      takeArray(arrays, `${prefix}/v/${i}`, x.shape, 'Adam state'),
    ]);
    this.t = t;
    moments.forEach(([md, vd], i) => {
      this.m.set(md!, this.offsets[i]!);
      this.v.set(vd!, this.offsets[i]!);
    });
  }

  /** Frees nothing (the moments are plain arrays) but refuses later use. Idempotent. */
  dispose(): void {
    this.disposed = true;
  }
}
