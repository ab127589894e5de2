/**
 * Behavioural cloning, the GAIL paper's baseline (Ho & Ermon 2016, §6; Pomerleau 1991): supervised
 * regression of the policy on the expert's (s, a) pairs. Loss: the Gaussian negative log-likelihood
 * −E[log π(a|s)] (trains μ and σ), or mean squared error of μ (σ is then set from the validation
 * residuals). A seeded validation split stops training when its loss has not improved for `patience`
 * epochs, and the best weights are restored.
 */
import * as tf from '@tensorflow/tfjs';
import { GailBridgeError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { checkSubsample, type Trajectory } from '../core/trajectory.js';
import { Adam } from './adam.js';
import { type BcConfig, resolveBcConfig } from './bc-config.js';
import { type GaussianPolicy, gaussianLogProb } from './gaussian-policy.js';
import { type NamedArrays, namedArray, takeArray } from './named-arrays.js';
import { gatherRows, permutation } from './train-utils.js';

export { BC_DEFAULTS, BC_LOSSES, type BcConfig, type BcLoss, resolveBcConfig } from './bc-config.js';

/** Expert pairs: obs n × obsDim, actions n × actDim. */
export interface PairData {
  readonly n: number;
  readonly obs: Float32Array;
  readonly actions: Float32Array;
}

/** The (s_t, a_t) pairs of trajectories (each contributes its T actions and the T observations before them). */
export function pairsFromTrajectories(
  trajectories: readonly Trajectory[],
  options: { subsample?: number; seed?: number } = {},
): PairData {
  const first = trajectories[0];
  if (!first) throw new GailBridgeError('config', 'behavioural cloning: no demonstrations were given');
  const k = options.subsample ?? 1;
  checkSubsample(k);
  // One pair in k from a random offset per trajectory, as the GAIL paper subsampled its demonstrations
  // (Ho & Ermon 2016, Sec. 6) and as trajectoryPairs does for the discriminator.
  const rng = new Rng(options.seed ?? 0);
  const offsets = trajectories.map(() => (k > 1 ? rng.int(k) : 0));
  const kept = trajectories.map((t, i) => Math.max(0, Math.ceil((t.length - offsets[i]!) / k)));
  const n = kept.reduce((s, m) => s + m, 0);
  const obs = new Float32Array(n * first.obsDim);
  const actions = new Float32Array(n * first.actDim);
  let row = 0;
  for (const [i, t] of trajectories.entries()) {
    if (t.obsDim !== first.obsDim || t.actDim !== first.actDim) {
      throw new GailBridgeError(
        'spec',
        `demonstration ${i}: obsDim ${t.obsDim}, actDim ${t.actDim}; the first had ${first.obsDim}, ${first.actDim}`,
      );
    }
    for (let s = offsets[i]!; s < t.length; s += k, row++) {
      obs.set(t.obs.subarray(s * t.obsDim, (s + 1) * t.obsDim), row * first.obsDim);
      actions.set(t.acts.subarray(s * t.actDim, (s + 1) * t.actDim), row * first.actDim);
    }
  }
  return { n, obs, actions };
}

/** One epoch's losses (validation NaN when there is no validation split). */
export interface BcEpoch {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly validationLoss: number;
}

/** What training did. */
export interface BcResult {
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly bestValidationLoss: number;
  readonly stoppedEarly: boolean;
  readonly history: readonly BcEpoch[];
}

/**
 * Behavioural cloning as a policy learner, one epoch at a time, with all of its state (optimiser moments,
 * best weights, patience) in `toArrays` so that a run stopped between epochs resumes exactly: the
 * validation split depends only on the seed, and each epoch's minibatch order on (seed, epoch).
 */
export class BcLearner {
  readonly policy: GaussianPolicy;
  readonly config: BcConfig;
  /** Epochs done. */
  epoch = 0;
  /** Best validation loss so far (Infinity before the first epoch; NaN without a validation split). */
  bestValidationLoss = Number.POSITIVE_INFINITY;
  /** Epoch of the best validation loss (−1 before the first). */
  bestEpoch = -1;
  stoppedEarly = false;
  private readonly data: PairData;
  private readonly vars: tf.Variable[];
  private readonly adam: Adam;
  private readonly trainIdx: Uint32Array;
  private readonly valIdx: Uint32Array;
  private bestWeights: NamedArrays | undefined;
  private obsNorm: Float32Array | undefined;
  private finished = false;

  /** Fits the policy's normaliser to the pairs (unless `fitNormalizer` is false) and splits them. */
  constructor(policy: GaussianPolicy, data: PairData, config: Partial<BcConfig> = {}) {
    const c = resolveBcConfig(config);
    const { obsDim, actDim } = policy;
    if (data.obs.length !== data.n * obsDim || data.actions.length !== data.n * actDim) {
      throw new GailBridgeError(
        'shape',
        `behavioural cloning: ${data.n} pairs need ${data.n * obsDim} observation and ${data.n * actDim} action ` +
          `values for the policy's obsDim ${obsDim}, actDim ${actDim}; got ${data.obs.length} and ${data.actions.length}`,
      );
    }
    const nVal = Math.floor(data.n * c.validationFraction);
    if (data.n - nVal < 1)
      throw new GailBridgeError('config', `behavioural cloning: ${data.n} pairs are too few`);
    this.policy = policy;
    this.config = c;
    this.data = data;
    if (c.fitNormalizer) policy.obsNorm.update(data.obs, data.n);
    const split = permutation(data.n, new Rng(c.seed));
    this.valIdx = split.subarray(0, nVal);
    this.trainIdx = split.subarray(nVal);
    this.vars = c.loss === 'gaussian' ? policy.variables : [...policy.mean.variables];
    this.adam = new Adam(this.vars, { epsilon: 1e-8 });
  }

  /** True once early stopping fired or `maxEpochs` epochs are done. */
  get done(): boolean {
    return this.stoppedEarly || this.epoch >= this.config.maxEpochs;
  }

  // No tf.tidy inside: the gradient function's intermediates must outlive it for the backward pass.
  private lossOps(x: tf.Tensor2D, a: tf.Tensor2D): tf.Scalar {
    const mu = this.policy.mean.apply(x);
    if (this.config.loss === 'mse') return tf.mean(tf.sum(tf.square(tf.sub(mu, a)), 1)) as tf.Scalar;
    return tf.neg(tf.mean(gaussianLogProb(mu, this.policy.logStd, a))) as tf.Scalar;
  }

  /** The normalised observations (normaliser frozen from here on: BC fits it once, before training). */
  private normalized(): Float32Array {
    this.obsNorm ??= this.policy.obsNorm.normalize(this.data.obs, this.data.n);
    return this.obsNorm;
  }

  /** One pass over the training pairs, then the validation loss and the early-stopping bookkeeping. */
  step(): BcEpoch {
    const c = this.config;
    const { obsDim, actDim } = this.policy;
    const obsNorm = this.normalized();
    const epoch = this.epoch;
    const order = permutation(this.trainIdx.length, new Rng(c.seed).fork(1 + epoch), this.trainIdx);
    let sum = 0;
    let count = 0;
    for (let start = 0; start < order.length; start += c.batchSize) {
      const idx = order.subarray(start, Math.min(order.length, start + c.batchSize));
      const x = gatherRows(obsNorm, obsDim, idx);
      const a = gatherRows(this.data.actions, actDim, idx);
      const loss = tf.tidy(() => {
        const xt = tf.tensor2d(x, [idx.length, obsDim]);
        const at = tf.tensor2d(a, [idx.length, actDim]);
        const { value, grads } = tf.variableGrads(() => this.lossOps(xt, at), this.vars);
        const l = value.dataSync()[0]!;
        if (Number.isFinite(l))
          this.adam.apply(
            this.vars.map((v) => grads[v.name]!),
            c.learningRate,
          );
        return l;
      });
      if (Number.isFinite(loss)) {
        sum += loss * idx.length;
        count += idx.length;
      }
    }
    const nVal = this.valIdx.length;
    const trainLoss = count > 0 ? sum / count : Number.NaN;
    const validationLoss =
      nVal > 0
        ? tf.tidy(
            () =>
              this.lossOps(
                tf.tensor2d(gatherRows(obsNorm, obsDim, this.valIdx), [nVal, obsDim]),
                tf.tensor2d(gatherRows(this.data.actions, actDim, this.valIdx), [nVal, actDim]),
              ).dataSync()[0]!,
          )
        : Number.NaN;
    this.epoch++;
    if (nVal > 0) {
      if (validationLoss < this.bestValidationLoss) {
        this.bestValidationLoss = validationLoss;
        this.bestEpoch = epoch;
        this.bestWeights = this.policy.toArrays();
      } else if (epoch - this.bestEpoch >= c.patience) {
        this.stoppedEarly = true;
      }
    }
    return { epoch, trainLoss, validationLoss };
  }

  /**
   * Ends training: restores the best weights and, for the mse loss, sets σ from the residuals. The
   * learner is spent afterwards (its state no longer describes an epoch boundary).
   */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.bestWeights) this.policy.loadArrays(this.bestWeights);
    if (this.config.loss === 'mse') {
      const nVal = this.valIdx.length;
      const { obsDim, actDim } = this.policy;
      const obsNorm = this.normalized();
      setStdFromResiduals(
        this.policy,
        nVal > 0 ? gatherRows(obsNorm, obsDim, this.valIdx) : obsNorm,
        nVal > 0 ? gatherRows(this.data.actions, actDim, this.valIdx) : this.data.actions,
      );
    }
  }

  /**
   * The policy (current weights), Adam's moments ("bc/adam/…"), the best weights so far ("bc/best/…")
   * and the counters ("bc/state": epoch, best epoch, whether there is a best, its validation loss,
   * stopped early; all finite, as a policy file requires).
   */
  toArrays(): NamedArrays {
    const best = Object.fromEntries(
      Object.entries(this.bestWeights ?? {}).map(([k, v]) => [`bc/best/${k}`, v]),
    );
    return {
      ...this.policy.toArrays(),
      ...this.adam.toArrays('bc/adam'),
      ...best,
      'bc/state': namedArray(
        [5],
        [
          this.epoch,
          this.bestEpoch,
          Number.isFinite(this.bestValidationLoss) ? 1 : 0,
          Number.isFinite(this.bestValidationLoss) ? this.bestValidationLoss : 0,
          this.stoppedEarly ? 1 : 0,
        ],
      ),
    };
  }

  /** Restores what `toArrays` saved (shapes checked). */
  loadArrays(arrays: NamedArrays): void {
    const state = takeArray(arrays, 'bc/state', [5], 'BC state');
    this.policy.loadArrays(arrays);
    this.adam.loadArrays(arrays, 'bc/adam');
    const best = Object.fromEntries(
      Object.entries(arrays)
        .filter(([k]) => k.startsWith('bc/best/'))
        .map(([k, v]) => [k.slice('bc/best/'.length), v]),
    );
    this.bestWeights = Object.keys(best).length > 0 ? best : undefined;
    this.epoch = state[0]!;
    this.bestEpoch = state[1]!;
    this.bestValidationLoss = state[2] === 1 ? state[3]! : Number.POSITIVE_INFINITY;
    this.stoppedEarly = state[4] === 1;
    this.obsNorm = undefined;
  }

  /** Frees the optimiser moments (the policy belongs to the caller). Idempotent. */
  dispose(): void {
    this.adam.dispose();
  }
}

/**
 * Trains `policy` (in place) by behavioural cloning on `data`. `onEpoch` sees every epoch (for logs and
 * progress bars).
 */
export function trainBc(
  policy: GaussianPolicy,
  data: PairData,
  config: Partial<BcConfig> = {},
  onEpoch?: (e: BcEpoch) => void,
): BcResult {
  const learner = new BcLearner(policy, data, config);
  const history: BcEpoch[] = [];
  try {
    while (!learner.done) {
      const e = learner.step();
      history.push(e);
      onEpoch?.(e);
    }
    learner.finish();
  } finally {
    learner.dispose();
  }
  const hasValidation = Math.floor(data.n * learner.config.validationFraction) > 0;
  return {
    epochs: history.length,
    bestEpoch: hasValidation ? learner.bestEpoch : history.length - 1,
    bestValidationLoss: hasValidation ? learner.bestValidationLoss : Number.NaN,
    stoppedEarly: learner.stoppedEarly,
    history,
  };
}

/** σ_j := root-mean-square of (a − μ)_j over the given pairs, so stochastic actions have a fitted spread. */
function setStdFromResiduals(policy: GaussianPolicy, obsNorm: Float32Array, actions: Float32Array): void {
  const d = policy.actDim;
  const rows = actions.length / d;
  const mu = tf.tidy(() => policy.mean.apply(tf.tensor2d(obsNorm, [rows, policy.obsDim])).dataSync());
  const logStd = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += (actions[r * d + j]! - mu[r * d + j]!) ** 2;
    logStd[j] = 0.5 * Math.log(Math.max(s / rows, 1e-8));
  }
  tf.tidy(() => policy.logStd.assign(tf.tensor1d(logStd)));
}
