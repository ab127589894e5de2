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
import { type GaussianPolicy, gaussianLogProb } from './gaussian-policy.js';
import type { NamedArrays } from './named-arrays.js';
import { gatherRows, permutation } from './train-utils.js';

/** BC losses. */
export const BC_LOSSES = {
  gaussian: 'negative log-likelihood of the expert action under the Gaussian policy (trains μ and σ)',
  mse: 'squared error of the mean action; σ is then set to the validation residuals’ spread',
} as const;
export type BcLoss = keyof typeof BC_LOSSES;

/** Behavioural-cloning options. */
export interface BcConfig {
  /** Default gaussian. */
  readonly loss: BcLoss;
  /** Most passes over the training pairs; default 200. */
  readonly maxEpochs: number;
  /** Pairs per Adam step; default 256. */
  readonly batchSize: number;
  /** Adam step size; default 1e-3. */
  readonly learningRate: number;
  /** Share of pairs held out for validation, in [0, 1); default 0.1 (0: no early stopping). */
  readonly validationFraction: number;
  /** Epochs without a better validation loss before stopping; default 10. */
  readonly patience: number;
  /** Fit the policy's observation normaliser to the demonstrations first; default true. */
  readonly fitNormalizer: boolean;
  /** Seed of the split and minibatch order. */
  readonly seed: number;
}

export const BC_DEFAULTS: BcConfig = Object.freeze({
  loss: 'gaussian',
  maxEpochs: 200,
  batchSize: 256,
  learningRate: 1e-3,
  validationFraction: 0.1,
  patience: 10,
  fitNormalizer: true,
  seed: 0,
});

/** Fills defaults and checks ranges; never mutates `partial`. */
export function resolveBcConfig(partial: Partial<BcConfig> = {}): BcConfig {
  const c: BcConfig = { ...BC_DEFAULTS, ...partial };
  const bad = (field: string, value: unknown, want: string) =>
    new GailBridgeError('config', `BC ${field}: expected ${want}, got ${String(value)}`);
  if (!Object.hasOwn(BC_LOSSES, c.loss)) throw bad('loss', c.loss, 'gaussian or mse');
  for (const f of ['maxEpochs', 'batchSize', 'patience'] as const) {
    if (!Number.isInteger(c[f]) || c[f] <= 0) throw bad(f, c[f], 'a positive integer');
  }
  if (!(c.learningRate > 0)) throw bad('learningRate', c.learningRate, 'a positive number');
  if (!(c.validationFraction >= 0 && c.validationFraction < 1))
    throw bad('validationFraction', c.validationFraction, 'a number in [0, 1)');
  return Object.freeze(c);
}

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
 * Trains `policy` (in place) by behavioural cloning on `data`. `onEpoch` sees every epoch (for logs and
 * progress bars).
 */
export function trainBc(
  policy: GaussianPolicy,
  data: PairData,
  config: Partial<BcConfig> = {},
  onEpoch?: (e: BcEpoch) => void,
): BcResult {
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
  const rng = new Rng(c.seed);
  if (c.fitNormalizer) policy.obsNorm.update(data.obs, data.n);
  const obsNorm = policy.obsNorm.normalize(data.obs, data.n);
  const split = permutation(data.n, rng);
  const valIdx = split.subarray(0, nVal);
  const trainIdx = split.subarray(nVal);
  const vars = c.loss === 'gaussian' ? policy.variables : [...policy.mean.variables];
  const adam = new Adam(vars, { epsilon: 1e-8 });
  const valObs = gatherRows(obsNorm, obsDim, valIdx);
  const valAct = gatherRows(data.actions, actDim, valIdx);

  // No tf.tidy inside: the gradient function's intermediates must outlive it for the backward pass.
  const lossOps = (x: tf.Tensor2D, a: tf.Tensor2D): tf.Scalar => {
    const mu = policy.mean.apply(x);
    if (c.loss === 'mse') return tf.mean(tf.sum(tf.square(tf.sub(mu, a)), 1)) as tf.Scalar;
    return tf.neg(tf.mean(gaussianLogProb(mu, policy.logStd, a))) as tf.Scalar;
  };
  const evalLoss = (x: Float32Array, a: Float32Array, rows: number): number =>
    tf.tidy(() => lossOps(tf.tensor2d(x, [rows, obsDim]), tf.tensor2d(a, [rows, actDim])).dataSync()[0]!);

  const history: BcEpoch[] = [];
  let best = Number.POSITIVE_INFINITY;
  let bestEpoch = -1;
  let bestWeights: NamedArrays | undefined;
  let stoppedEarly = false;
  try {
    for (let epoch = 0; epoch < c.maxEpochs; epoch++) {
      const order = permutation(trainIdx.length, rng, trainIdx);
      let sum = 0;
      let count = 0;
      for (let start = 0; start < order.length; start += c.batchSize) {
        const idx = order.subarray(start, Math.min(order.length, start + c.batchSize));
        const x = gatherRows(obsNorm, obsDim, idx);
        const a = gatherRows(data.actions, actDim, idx);
        const loss = tf.tidy(() => {
          const xt = tf.tensor2d(x, [idx.length, obsDim]);
          const at = tf.tensor2d(a, [idx.length, actDim]);
          const { value, grads } = tf.variableGrads(() => lossOps(xt, at), vars);
          const l = value.dataSync()[0]!;
          if (Number.isFinite(l))
            adam.apply(
              vars.map((v) => grads[v.name]!),
              c.learningRate,
            );
          return l;
        });
        if (Number.isFinite(loss)) {
          sum += loss * idx.length;
          count += idx.length;
        }
      }
      const trainLoss = count > 0 ? sum / count : Number.NaN;
      const validationLoss = nVal > 0 ? evalLoss(valObs, valAct, nVal) : Number.NaN;
      const e = { epoch, trainLoss, validationLoss };
      history.push(e);
      onEpoch?.(e);
      if (nVal === 0) continue;
      if (validationLoss < best) {
        best = validationLoss;
        bestEpoch = epoch;
        bestWeights = policy.toArrays();
      } else if (epoch - bestEpoch >= c.patience) {
        stoppedEarly = true;
        break;
      }
    }
  } finally {
    adam.dispose();
  }
  if (bestWeights) policy.loadArrays(bestWeights);
  if (c.loss === 'mse')
    setStdFromResiduals(policy, nVal > 0 ? valObs : obsNorm, nVal > 0 ? valAct : data.actions);
  return {
    epochs: history.length,
    bestEpoch: nVal > 0 ? bestEpoch : history.length - 1,
    bestValidationLoss: nVal > 0 ? best : Number.NaN,
    stoppedEarly,
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
