/**
 * Adam (Kingma & Ba 2015) over a fixed list of variables, written out rather than tf.train.adam so that
 * the learning rate can follow a schedule per step and the moments can be saved for --resume.
 *
 *   m ← β1 m + (1 − β1) g;  v ← β2 v + (1 − β2) g²;  θ ← θ − lr · m̂ / (√v̂ + ε)
 */
import * as tf from '@tensorflow/tfjs';
import { GailBridgeError } from '../core/errors.js';
import { ownedVariable } from './mlp.js';
import { type NamedArrays, namedArray, takeArray } from './named-arrays.js';

/** Adam's constants. */
export interface AdamOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  /** Default 1e-5 (PPO implementations; the paper's 1e-8 is too small for float32 value targets). */
  readonly epsilon?: number;
}

/** Owns its moment variables; the variables it updates belong to their networks. */
export class Adam {
  private readonly vars: readonly tf.Variable[];
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
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
    this.m = vars.map((x) => ownedVariable(tf.zerosLike(x)));
    this.v = vars.map((x) => ownedVariable(tf.zerosLike(x)));
  }

  /** Steps taken. */
  get steps(): number {
    return this.t;
  }

  /** One step with `grads` (same order and shapes as the variables) at learning rate `lr`. */
  apply(grads: readonly tf.Tensor[], lr: number): void {
    if (this.disposed) throw new GailBridgeError('state', 'Adam: used after dispose()');
    if (grads.length !== this.vars.length) {
      throw new GailBridgeError(
        'shape',
        `Adam.apply: expected ${this.vars.length} gradients, got ${grads.length}`,
      );
    }
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    // Bias corrections folded into the step size: lr·√c2/c1, with ε scaled to match (as in the paper, §2).
    const stepSize = (lr * Math.sqrt(c2)) / c1;
    const eps = this.epsilon * Math.sqrt(c2);
    tf.tidy(() => {
      for (let i = 0; i < this.vars.length; i++) {
        const g = grads[i]!;
        const m = tf.add(tf.mul(this.beta1, this.m[i]!), tf.mul(1 - this.beta1, g));
        const v = tf.add(tf.mul(this.beta2, this.v[i]!), tf.mul(1 - this.beta2, tf.square(g)));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        this.vars[i]!.assign(tf.sub(this.vars[i]!, tf.mul(stepSize, tf.div(m, tf.add(tf.sqrt(v), eps)))));
      }
    });
  }

  /** `${prefix}/m/i`, `${prefix}/v/i` per variable and `${prefix}/step` ([1]). */
  toArrays(prefix: string): NamedArrays {
    const out: Record<string, ReturnType<typeof namedArray>> = {
      [`${prefix}/step`]: namedArray([1], [this.t]),
    };
    this.m.forEach((m, i) => {
      out[`${prefix}/m/${i}`] = namedArray(m.shape, m.dataSync());
      out[`${prefix}/v/${i}`] = namedArray(this.v[i]!.shape, this.v[i]!.dataSync());
    });
    return out;
  }

  /** Restores moments and step count saved by `toArrays`. */
  loadArrays(arrays: NamedArrays, prefix: string): void {
    this.t = takeArray(arrays, `${prefix}/step`, [1], 'Adam state')[0]!;
    this.m.forEach((m, i) => {
      const md = takeArray(arrays, `${prefix}/m/${i}`, m.shape, 'Adam state');
      const vd = takeArray(arrays, `${prefix}/v/${i}`, m.shape, 'Adam state');
      tf.tidy(() => {
        m.assign(tf.tensor(md, m.shape));
        this.v[i]!.assign(tf.tensor(vd, m.shape));
      });
    });
  }

  /** Frees the moments. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}
