/**
 * The diagonal Gaussian policy of the GAIL paper's experiments (Ho & Ermon 2016, §6; Schulman et al.
 * 2015): a ~ N(μ(obsNorm), diag(σ²)) with μ an MLP and log σ a learned vector independent of the state.
 * Observations are normalised inside by a running normaliser that is saved with the policy.
 *
 *   log π(a|s) = Σ_j [ −½((a_j − μ_j)/σ_j)² − log σ_j − ½ log 2π ]
 *   H(π(·|s))  = Σ_j [ log σ_j + ½ log(2πe) ]
 *
 * The mean network's output is linear by default (PPO, TRPO, BC). With `output: 'tanh'` it is bounded,
 * μ = offset + scale · tanh(z) with scale = (high − low)/2 and offset = (high + low)/2 of the action
 * bounds: TD3's deterministic actor (Fujimoto et al. 2018, §6.1), whose σ is then only the exploration
 * noise and is not learned.
 */
import * as tf from '@tensorflow/tfjs';
import { assertFinite, assertLength, GailBridgeError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { Mlp, type MlpConfig, ownedVariable } from './mlp.js';
import { type NamedArrays, namedArray, takeArray } from './named-arrays.js';
import { type NormalizerOptions, RunningNormalizer } from './normalizer.js';
import type { ActMode, ActResult, Policy } from './types.js';

/** ½ log 2π, the Gaussian's normalising term per dimension. */
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Architecture of a Gaussian policy (saved with it so that a file can rebuild it). */
export interface GaussianPolicyConfig {
  readonly obsDim: number;
  readonly actDim: number;
  /** Hidden widths of the mean network; default [64, 64]. */
  readonly hiddenSizes?: readonly number[];
  readonly activation?: MlpConfig['activation'];
  readonly init?: MlpConfig['init'];
  /** Initial log σ for every action dimension; default 0 (σ = 1). */
  readonly initLogStd?: number;
  readonly normalizer?: NormalizerOptions;
  /** The mean network's output: linear (default) or tanh scaled to `actionBounds`. */
  readonly output?: PolicyOutput;
  /** Finite action bounds (actDim each); required with `output: 'tanh'`. */
  readonly actionBounds?: ActionBounds;
}

/** How the mean network's last layer becomes μ; one map (STYLE 8). */
export const POLICY_OUTPUTS = {
  linear: 'μ = z (PPO, TRPO, BC)',
  tanh: 'μ = offset + scale · tanh(z), inside the action bounds (TD3 / DAC actor)',
} as const;
export type PolicyOutput = keyof typeof POLICY_OUTPUTS;

/** Lower and upper action bounds, actDim each. */
export interface ActionBounds {
  readonly low: readonly number[];
  readonly high: readonly number[];
}

/** scale = (high − low)/2 and offset = (high + low)/2 per action dimension, checked finite and ordered. */
export function boundsScaleOffset(
  bounds: ActionBounds,
  actDim: number,
): { scale: Float32Array; offset: Float32Array } {
  assertLength('action bounds: low', bounds.low.length, actDim);
  assertLength('action bounds: high', bounds.high.length, actDim);
  const scale = new Float32Array(actDim);
  const offset = new Float32Array(actDim);
  for (let j = 0; j < actDim; j++) {
    const lo = bounds.low[j]!;
    const hi = bounds.high[j]!;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi))
      throw new GailBridgeError(
        'spec',
        `action bounds: element ${j} is [${lo}, ${hi}]; a tanh output needs finite bounds with low < high`,
      );
    scale[j] = (hi - lo) / 2;
    offset[j] = (hi + lo) / 2;
  }
  return { scale, offset };
}

/** Log-probabilities (n) of actions (n × d) under N(mean, diag(exp(logStd))²). For use inside tf.tidy. */
export function gaussianLogProb(mean: tf.Tensor2D, logStd: tf.Tensor1D, actions: tf.Tensor2D): tf.Tensor1D {
  const z = tf.mul(tf.sub(actions, mean), tf.exp(tf.neg(logStd)));
  const d = mean.shape[1];
  return tf.sub(
    tf.mul(-0.5, tf.sum(tf.square(z), 1)),
    tf.add(tf.sum(logStd), d * HALF_LOG_2PI),
  ) as tf.Tensor1D;
}

/** Entropy (a scalar, the same for every state) of a diagonal Gaussian with log σ = `logStd`. */
export function gaussianEntropy(logStd: tf.Tensor1D): tf.Scalar {
  return tf.add(tf.sum(logStd), logStd.shape[0] * (HALF_LOG_2PI + 0.5)) as tf.Scalar;
}

/** A diagonal Gaussian policy owning its mean network, log σ and normaliser. */
export class GaussianPolicy implements Policy {
  readonly obsDim: number;
  readonly actDim: number;
  readonly config: Required<Omit<GaussianPolicyConfig, 'normalizer' | 'actionBounds'>> & {
    normalizer: NormalizerOptions;
  };
  readonly mean: Mlp;
  /** With `output: 'tanh'`: scale and offset per action dimension (actDim each); else undefined. */
  readonly bounds: { readonly scale: Float32Array; readonly offset: Float32Array } | undefined;
  /** The same as tensors (owned), for `meanOf`. */
  private readonly boundTensors: { scale: tf.Tensor1D; offset: tf.Tensor1D } | undefined;
  /** actDim, log σ. */
  readonly logStd: tf.Variable<tf.Rank.R1>;
  readonly obsNorm: RunningNormalizer;
  /** Draws the exploration noise: same seed → same actions. */
  private readonly rng: Rng;
  private disposed = false;

  /** Weights from `seed` (a fork of it; sampling noise from another fork). */
  constructor(config: GaussianPolicyConfig, seed: number) {
    this.config = {
      obsDim: config.obsDim,
      actDim: config.actDim,
      hiddenSizes: [...(config.hiddenSizes ?? [64, 64])],
      activation: config.activation ?? 'tanh',
      init: config.init ?? 'orthogonal',
      initLogStd: config.initLogStd ?? 0,
      normalizer: { ...config.normalizer },
      output: config.output ?? 'linear',
    };
    if (this.config.output === 'tanh') {
      if (!config.actionBounds)
        throw new GailBridgeError('config', "GaussianPolicy: output 'tanh' needs actionBounds (low, high)");
      this.bounds = boundsScaleOffset(config.actionBounds, config.actDim);
      this.boundTensors = {
        scale: tf.keep(tf.tensor1d(this.bounds.scale)),
        offset: tf.keep(tf.tensor1d(this.bounds.offset)),
      };
    } else {
      this.bounds = undefined;
      this.boundTensors = undefined;
    }
    this.obsDim = config.obsDim;
    this.actDim = config.actDim;
    const root = new Rng(seed);
    // Output gain 0.01: near-zero initial means so early actions are the noise alone (Andrychowicz et
    // al. 2021, "What matters in on-policy RL", decision C57).
    this.mean = new Mlp(
      {
        inputDim: this.obsDim,
        hiddenSizes: this.config.hiddenSizes,
        outputDim: this.actDim,
        activation: this.config.activation,
        init: this.config.init,
        outputGain: 0.01,
      },
      root.fork(0),
    );
    this.rng = root.fork(1);
    this.logStd = ownedVariable(tf.fill([this.actDim], this.config.initLogStd)) as tf.Variable<tf.Rank.R1>;
    this.obsNorm = new RunningNormalizer(this.obsDim, this.config.normalizer);
  }

  /** Every trainable variable: the mean network's, then log σ. */
  get variables(): tf.Variable[] {
    return [...this.mean.variables, this.logStd];
  }

  /**
   * Acts on n raw observations (n × obsDim). Stochastic: a = μ + σ·ε with ε ~ N(0, I) from the policy's
   * seeded generator; deterministic: a = μ. Returns unclipped actions and their log-probabilities.
   */
  act(obs: Float32Array, n: number, mode: ActMode): ActResult {
    this.assertLive();
    assertLength('GaussianPolicy.act: obs (n × obsDim)', obs.length, n * this.obsDim);
    const mu = this.meanActions(obs, n);
    const logStd = this.logStd.dataSync();
    const d = this.actDim;
    const actions = new Float32Array(n * d);
    const logProbs = new Float32Array(n);
    let logNorm = 0;
    for (let j = 0; j < d; j++) logNorm += logStd[j]! + HALF_LOG_2PI;
    for (let r = 0; r < n; r++) {
      let sq = 0;
      for (let j = 0; j < d; j++) {
        const i = r * d + j;
        const sigma = Math.exp(logStd[j]!);
        const a = mode === 'stochastic' ? mu[i]! + sigma * this.rng.normal() : mu[i]!;
        actions[i] = a;
        // From the stored (float32) action, so a learner recomputing log π from it agrees.
        const z = (actions[i]! - mu[i]!) / sigma;
        sq += z * z;
      }
      logProbs[r] = -0.5 * sq - logNorm;
    }
    return { actions, logProbs };
  }

  /**
   * log π(a|s) of n given actions (n × actDim) in n raw observations, under the current weights: what
   * AIRL's discriminator subtracts, D = exp f / (exp f + π(a|s)) (Fu et al. 2018, Eq. 3).
   */
  logProbOf(obs: Float32Array, actions: Float32Array, n: number): Float32Array {
    this.assertLive();
    assertLength('GaussianPolicy.logProbOf: actions (n × actDim)', actions.length, n * this.actDim);
    const mu = this.meanActions(obs, n);
    const logStd = this.logStd.dataSync();
    const d = this.actDim;
    let logNorm = 0;
    for (let j = 0; j < d; j++) logNorm += logStd[j]! + HALF_LOG_2PI;
    const out = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      let sq = 0;
      for (let j = 0; j < d; j++) {
        const z = (actions[r * d + j]! - mu[r * d + j]!) / Math.exp(logStd[j]!);
        sq += z * z;
      }
      out[r] = -0.5 * sq - logNorm;
    }
    return out;
  }

  /** μ for n raw observations (n × actDim). */
  meanActions(obs: Float32Array, n: number): Float32Array {
    this.assertLive();
    const x = this.obsNorm.normalize(obs, n);
    return tf.tidy(() => this.meanOf(tf.tensor2d(x, [n, this.obsDim])).dataSync() as Float32Array);
  }

  /**
   * μ for n normalised observations (n × obsDim → n × actDim), differentiable: the mean network and, with
   * a tanh output, the bounded squashing. Call inside tf.tidy (or a gradient function).
   */
  meanOf(obsNorm: tf.Tensor2D): tf.Tensor2D {
    this.assertLive();
    const z = this.mean.apply(obsNorm);
    const b = this.boundTensors;
    return b ? (tf.add(tf.mul(tf.tanh(z), b.scale), b.offset) as tf.Tensor2D) : z;
  }

  /** Current σ per action dimension. */
  std(): Float32Array {
    this.assertLive();
    return this.logStd.dataSync().map(Math.exp) as Float32Array;
  }

  /**
   * `policy/mean/k/{w,b}`, `policy/logStd`, with a tanh output `policy/actionScale` and
   * `policy/actionOffset`, and `obsNorm/{mean,var,count}`.
   */
  toArrays(): NamedArrays {
    this.assertLive();
    return {
      ...this.mean.toArrays('policy/mean'),
      'policy/logStd': namedArray([this.actDim], this.logStd.dataSync()),
      ...(this.bounds
        ? {
            'policy/actionScale': namedArray([this.actDim], this.bounds.scale),
            'policy/actionOffset': namedArray([this.actDim], this.bounds.offset),
          }
        : {}),
      ...this.obsNorm.toArrays('obsNorm'),
    };
  }

  /**
   * Loads what `toArrays` saved; every shape is checked against this policy's config. The normaliser is
   * left as it is when `arrays` has no "obsNorm/…" (a policy file carries its statistics separately).
   */
  loadArrays(arrays: NamedArrays): void {
    this.assertLive();
    // Every shape is checked before any weight changes, so a mismatched file leaves the policy intact.
    takeArray(arrays, 'policy/logStd', [this.actDim], 'Gaussian policy');
    this.mean.loadArrays(arrays, 'policy/mean');
    this.loadLogStd(arrays);
    if (arrays['obsNorm/mean']) this.obsNorm.loadArrays(arrays, 'obsNorm');
  }

  /** Loads `policy/logStd` alone (shape and finiteness checked). */
  loadLogStd(arrays: NamedArrays): void {
    this.assertLive();
    const logStd = takeArray(arrays, 'policy/logStd', [this.actDim], 'Gaussian policy');
    assertFinite('Gaussian policy: policy/logStd', logStd);
    tf.tidy(() => this.logStd.assign(tf.tensor1d(logStd)));
  }

  /** Frees the weights. Idempotent; later use throws a `state` error. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.mean.dispose();
    this.logStd.dispose();
    this.boundTensors?.scale.dispose();
    this.boundTensors?.offset.dispose();
  }

  private assertLive(): void {
    if (this.disposed) {
      throw new GailBridgeError('state', 'GaussianPolicy: used after dispose(); load or build a new one');
    }
  }
}
