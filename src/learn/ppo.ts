/**
 * Proximal Policy Optimization (Schulman et al. 2017, "Proximal Policy Optimization Algorithms"), with
 * the implementation details that matter on MuJoCo tasks (Andrychowicz et al. 2021; Huang et al. 2022,
 * "The 37 implementation details of PPO"). One `update(batch)` is, in order:
 *
 *   1. V(s), V(finalObs), V(lastObs) under the current critic; GAE(γ, λ) advantages and returns (gae.ts)
 *   2. for each epoch, for each minibatch (a seeded permutation, gathered outside the gradient tape):
 *        ratio = π(a|s) / π_old(a|s);  Â normalised within the minibatch
 *        L_clip = −E[min(ratio·Â, clip(ratio, 1 ± ε)·Â)]                        (eq. 7)
 *        L_V    = ½·E[max((V − R)², (V_old + clip(V − V_old, ±ε_V) − R)²)]   (clipped when ε_V is set)
 *        L      = L_clip + c_V·L_V − c_H·H[π]                                     (eq. 9)
 *        gradients clipped to a global norm; a non-finite loss or gradient skips the step (counted)
 *        Adam at the scheduled learning rate
 *      stopping early when the approximate KL of an epoch passes `targetKl` (when set)
 *   3. the observation normaliser absorbs the batch (so the next rollout is normalised consistently)
 *
 * With `normalizeRewards`, step 1 first divides the batch's rewards by the running standard deviation of
 * each env's discounted return, clipped to ±10 (the "reward scaling" of Engstrom et al. 2020,
 * "Implementation Matters in Deep RL", §3; CleanRL's and Stable-Baselines3's NormalizeReward). Without
 * it, MuJoCo returns in the hundreds meet a value clip of 0.2 value units and a gradient-norm bound of
 * 0.5 that were tuned for unit-scale returns, and the critic can barely move.
 */
import * as tf from '@tensorflow/tfjs';
import { GailBridgeError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { Adam } from './adam.js';
import { computeGae, validateRolloutBatch } from './gae.js';
import { type GaussianPolicy, gaussianEntropy, gaussianLogProb } from './gaussian-policy.js';
import { type NamedArrays, namedArray, takeArray } from './named-arrays.js';
import { RunningNormalizer } from './normalizer.js';
import { explainedVariance, gatherRows, permutation, validIndices } from './train-utils.js';
import type { PolicyLearner, RolloutBatch, UpdateStats } from './types.js';
import { ValueFunction, valueBatch } from './value.js';

/** Learning-rate schedules over the planned number of updates. */
export const LR_SCHEDULES = {
  constant: 'the same learning rate every update',
  linear: 'decays linearly from the learning rate to 0 over totalUpdates updates',
} as const;
export type LrSchedule = keyof typeof LR_SCHEDULES;

/** PPO's hyperparameters. Defaults are CleanRL's ppo_continuous_action (MuJoCo). */
export interface PpoConfig {
  /** Discount γ; default 0.99. */
  readonly gamma: number;
  /** GAE λ; default 0.95. */
  readonly lambda: number;
  /** Surrogate clip ε; default 0.2. */
  readonly clipRange: number;
  /** Value clip ε_V in value units, or undefined for an unclipped value loss; default 0.2. */
  readonly clipRangeValue: number | undefined;
  /** Entropy bonus c_H; default 0. */
  readonly entCoef: number;
  /** Value-loss weight c_V; default 0.5. */
  readonly vfCoef: number;
  /** Passes over the batch per update; default 10. */
  readonly epochs: number;
  /** Minibatches per epoch; default 32. */
  readonly numMinibatches: number;
  /** Adam step size at the first update; default 3e-4. */
  readonly learningRate: number;
  /** Default linear (needs totalUpdates). */
  readonly lrSchedule: LrSchedule;
  /** Planned updates, for the linear schedule; default 1 (i.e. set it). */
  readonly totalUpdates: number;
  /** Global gradient-norm bound; default 0.5. Infinity disables clipping. */
  readonly maxGradNorm: number;
  /** Normalise advantages per minibatch; default true. */
  readonly normalizeAdvantages: boolean;
  /** Stop the epochs early when the approximate KL passes this; undefined (default) never stops. */
  readonly targetKl: number | undefined;
  /** Hidden widths of the value network; default [64, 64]. */
  readonly valueHiddenSizes: readonly number[];
  /** Adam ε; default 1e-5. */
  readonly adamEpsilon: number;
  /** Update the policy's observation normaliser from each batch; default true. */
  readonly updateNormalizer: boolean;
  /** Scale rewards by the running std of the discounted return (see the file comment); default false. */
  readonly normalizeRewards: boolean;
  /** Seed for the value network's weights and minibatch order. */
  readonly seed: number;
}

export const PPO_DEFAULTS: PpoConfig = Object.freeze({
  gamma: 0.99,
  lambda: 0.95,
  clipRange: 0.2,
  clipRangeValue: 0.2,
  entCoef: 0,
  vfCoef: 0.5,
  epochs: 10,
  numMinibatches: 32,
  learningRate: 3e-4,
  lrSchedule: 'linear',
  totalUpdates: 1,
  maxGradNorm: 0.5,
  normalizeAdvantages: true,
  targetKl: undefined,
  valueHiddenSizes: [64, 64],
  adamEpsilon: 1e-5,
  updateNormalizer: true,
  normalizeRewards: false,
  seed: 0,
});

/** Scaled rewards are clipped to ±this (CleanRL, SB3 VecNormalize clip_reward). */
const REWARD_CLIP = 10;

/** Fills defaults and checks ranges; never mutates `partial`. */
export function resolvePpoConfig(partial: Partial<PpoConfig> = {}): PpoConfig {
  const c: PpoConfig = { ...PPO_DEFAULTS, ...partial };
  const bad = (field: string, value: unknown, want: string) =>
    new GailBridgeError('config', `PPO ${field}: expected ${want}, got ${String(value)}`);
  if (!(c.gamma >= 0 && c.gamma <= 1)) throw bad('gamma', c.gamma, 'a number in [0, 1]');
  if (!(c.lambda >= 0 && c.lambda <= 1)) throw bad('lambda', c.lambda, 'a number in [0, 1]');
  if (!(c.clipRange > 0)) throw bad('clipRange', c.clipRange, 'a positive number');
  if (c.clipRangeValue !== undefined && !(c.clipRangeValue > 0))
    throw bad('clipRangeValue', c.clipRangeValue, 'a positive number or undefined');
  if (!Number.isInteger(c.epochs) || c.epochs <= 0) throw bad('epochs', c.epochs, 'a positive integer');
  if (!Number.isInteger(c.numMinibatches) || c.numMinibatches <= 0)
    throw bad('numMinibatches', c.numMinibatches, 'a positive integer');
  if (!(c.learningRate > 0)) throw bad('learningRate', c.learningRate, 'a positive number');
  if (!Object.hasOwn(LR_SCHEDULES, c.lrSchedule)) throw bad('lrSchedule', c.lrSchedule, 'constant or linear');
  if (!Number.isInteger(c.totalUpdates) || c.totalUpdates <= 0)
    throw bad('totalUpdates', c.totalUpdates, 'a positive integer');
  if (!(c.maxGradNorm > 0)) throw bad('maxGradNorm', c.maxGradNorm, 'a positive number (Infinity: off)');
  if (c.targetKl !== undefined && !(c.targetKl > 0)) throw bad('targetKl', c.targetKl, 'a positive number');
  return Object.freeze({ ...c, valueHiddenSizes: [...c.valueHiddenSizes] });
}

/** Learning rate of update number `update` (0-based) under `config`'s schedule. */
export function scheduledLearningRate(config: PpoConfig, update: number): number {
  if (config.lrSchedule === 'constant') return config.learningRate;
  return config.learningRate * Math.max(0, 1 - update / config.totalUpdates);
}

/** `batch` with rewards (and terminal values, in reward units) times `scale`, clipped to ±REWARD_CLIP. */
function scaleRewards(batch: RolloutBatch, scale: number): RolloutBatch {
  const rewards = batch.rewards.map((r) => Math.min(REWARD_CLIP, Math.max(-REWARD_CLIP, r * scale)));
  return batch.terminalValue
    ? { ...batch, rewards, terminalValue: batch.terminalValue.map((v) => v * scale) }
    : { ...batch, rewards };
}

/** PPO over a Gaussian policy it drives (the policy is owned by the caller) and a value net it owns. */
export class PpoLearner implements PolicyLearner {
  readonly policy: GaussianPolicy;
  readonly config: PpoConfig;
  readonly value: ValueFunction;
  private readonly adam: Adam;
  private readonly rng: Rng;
  /** Running variance of the per-env discounted return (only with normalizeRewards). */
  private readonly returnStats = new RunningNormalizer(1);
  /** Each env's discounted return so far in its open episode; sized on the first batch. */
  private discounted: Float64Array | undefined;
  private updates = 0;
  private skippedTotal = 0;
  private disposed = false;

  constructor(policy: GaussianPolicy, config: Partial<PpoConfig> = {}) {
    this.policy = policy;
    this.config = resolvePpoConfig(config);
    const root = new Rng(this.config.seed);
    this.value = new ValueFunction(
      policy.obsDim,
      this.config.valueHiddenSizes,
      policy.config.activation,
      root.fork(0),
    );
    this.rng = root.fork(1);
    this.adam = new Adam([...policy.variables, ...this.value.net.variables], {
      epsilon: this.config.adamEpsilon,
    });
  }

  /** Updates done so far (restored by loadArrays, so the schedule resumes where it stopped). */
  get updatesDone(): number {
    return this.updates;
  }

  /** Minibatch steps skipped for a non-finite loss or gradient, over the learner's life. */
  get skippedSteps(): number {
    return this.skippedTotal;
  }

  /** One PPO update (see the file comment). The stats are means over the minibatch steps taken. */
  update(raw: RolloutBatch): UpdateStats {
    if (this.disposed) throw new GailBridgeError('state', 'PpoLearner: update() after dispose()');
    validateRolloutBatch(raw);
    if (raw.obsDim !== this.policy.obsDim || raw.actDim !== this.policy.actDim) {
      throw new GailBridgeError(
        'shape',
        `PPO update: batch has obsDim ${raw.obsDim}, actDim ${raw.actDim}; the policy has ` +
          `${this.policy.obsDim}, ${this.policy.actDim}`,
      );
    }
    const c = this.config;
    const n = raw.numSteps * raw.numEnvs;
    const { obsDim, actDim } = raw;
    const rewardScale = c.normalizeRewards ? this.absorbReturns(raw) : 1;
    const batch = c.normalizeRewards ? scaleRewards(raw, rewardScale) : raw;

    const v = valueBatch(this.value, this.policy.obsNorm, batch);
    const { advantages, returns } = computeGae(batch, v, c.gamma, c.lambda);
    const lr = scheduledLearningRate(c, this.updates);

    // Steps of diverged episodes (valid = 0) are left out of every loss (RolloutBatch.valid).
    const usable = validIndices(n, batch.valid);
    const mbSize = Math.max(1, Math.floor(usable.length / c.numMinibatches));
    const sums = { policyLoss: 0, valueLoss: 0, entropy: 0, approxKl: 0, clipFraction: 0, gradNorm: 0 };
    let steps = 0;
    let skipped = 0;
    let epochsDone = 0;
    const vars = [...this.policy.variables, ...this.value.net.variables];
    for (let epoch = 0; epoch < c.epochs; epoch++) {
      const perm = permutation(n, this.rng, usable);
      let epochKl = 0;
      let epochSteps = 0;
      for (let start = 0; start + mbSize <= perm.length; start += mbSize) {
        const idx = perm.subarray(start, start + mbSize);
        const s = this.step(
          {
            obs: gatherRows(v.obsNorm, obsDim, idx),
            actions: gatherRows(batch.actions, actDim, idx),
            oldLogProbs: gatherRows(batch.logProbs, 1, idx),
            advantages: gatherRows(advantages, 1, idx),
            returns: gatherRows(returns, 1, idx),
            oldValues: gatherRows(v.values, 1, idx),
            rows: idx.length,
          },
          vars,
          lr,
        );
        if (!s) {
          skipped++;
          continue;
        }
        steps++;
        epochSteps++;
        epochKl += s.approxKl;
        for (const k of Object.keys(sums) as (keyof typeof sums)[]) sums[k] += s[k];
      }
      epochsDone++;
      if (c.targetKl !== undefined && epochSteps > 0 && epochKl / epochSteps > c.targetKl) break;
    }
    this.skippedTotal += skipped;
    this.updates++;
    if (c.updateNormalizer) this.policy.obsNorm.update(gatherRows(raw.obs, obsDim, usable), usable.length);

    const div = Math.max(steps, 1);
    const std = this.policy.std();
    return {
      policyLoss: sums.policyLoss / div,
      valueLoss: sums.valueLoss / div,
      entropy: sums.entropy / div,
      approxKl: sums.approxKl / div,
      clipFraction: sums.clipFraction / div,
      gradNorm: sums.gradNorm / div,
      explainedVariance: explainedVariance(gatherRows(v.values, 1, usable), gatherRows(returns, 1, usable)),
      learningRate: lr,
      epochs: epochsDone,
      steps,
      skippedSteps: skipped,
      meanStd: std.reduce((a, b) => a + b, 0) / std.length,
      rewardScale,
    };
  }

  /**
   * Runs each env's discounted return G ← γ·G + r through the batch (reset after an episode ends),
   * merges the valid steps' G into the running statistics and returns 1 / sqrt(Var[G] + ε).
   */
  private absorbReturns(batch: RolloutBatch): number {
    const N = batch.numEnvs;
    if (this.discounted?.length !== N) this.discounted = new Float64Array(N);
    const g = this.discounted;
    const seen: number[] = [];
    for (let t = 0; t < batch.numSteps; t++) {
      for (let i = 0; i < N; i++) {
        const k = t * N + i;
        const r = batch.rewards[k]!;
        g[i] = this.config.gamma * g[i]! + (Number.isFinite(r) ? r : 0);
        if (batch.valid?.[k] !== 0) seen.push(g[i]!);
        if (batch.terminated[k] || batch.truncated[k]) g[i] = 0;
      }
    }
    this.returnStats.update(seen, seen.length);
    return 1 / Math.sqrt(this.returnStats.variance()[0]! + this.returnStats.epsilon);
  }

  /** One minibatch step; undefined (and no change to any weight) when the loss or a gradient is non-finite. */
  private step(
    mb: {
      obs: Float32Array;
      actions: Float32Array;
      oldLogProbs: Float32Array;
      advantages: Float32Array;
      returns: Float32Array;
      oldValues: Float32Array;
      rows: number;
    },
    vars: tf.Variable[],
    lr: number,
  ):
    | {
        policyLoss: number;
        valueLoss: number;
        entropy: number;
        approxKl: number;
        clipFraction: number;
        gradNorm: number;
      }
    | undefined {
    const c = this.config;
    const { obsDim, actDim } = this.policy;
    const stats = tf.tidy(() => {
      const obs = tf.tensor2d(mb.obs, [mb.rows, obsDim]);
      const act = tf.tensor2d(mb.actions, [mb.rows, actDim]);
      const oldLogp = tf.tensor1d(mb.oldLogProbs);
      let adv = tf.tensor1d(mb.advantages);
      if (c.normalizeAdvantages && mb.rows > 1) {
        const { mean, variance } = tf.moments(adv);
        adv = tf.div(tf.sub(adv, mean), tf.add(tf.sqrt(variance), 1e-8));
      }
      const ret = tf.tensor1d(mb.returns);
      const oldV = tf.tensor1d(mb.oldValues);
      let aux: tf.Tensor[] = [];
      const { value: loss, grads } = tf.variableGrads(() => {
        const logp = gaussianLogProb(this.policy.mean.apply(obs), this.policy.logStd, act);
        const logRatio = tf.sub(logp, oldLogp);
        const ratio = tf.exp(logRatio);
        const surr = tf.minimum(
          tf.mul(ratio, adv),
          tf.mul(tf.clipByValue(ratio, 1 - c.clipRange, 1 + c.clipRange), adv),
        );
        const policyLoss = tf.neg(tf.mean(surr));
        const vPred = this.value.apply(obs);
        let vErr = tf.square(tf.sub(vPred, ret));
        if (c.clipRangeValue !== undefined) {
          const vClipped = tf.add(
            oldV,
            tf.clipByValue(tf.sub(vPred, oldV), -c.clipRangeValue, c.clipRangeValue),
          );
          vErr = tf.maximum(vErr, tf.square(tf.sub(vClipped, ret)));
        }
        const valueLoss = tf.mul(0.5, tf.mean(vErr));
        const entropy = gaussianEntropy(this.policy.logStd);
        // Schulman's k3 estimator of KL(old ‖ new): E[(r − 1) − log r], unbiased and ≥ 0.
        const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
        const clipFraction = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), c.clipRange), 'float32'));
        aux = [policyLoss, valueLoss, entropy, approxKl, clipFraction].map((t) => tf.keep(t));
        return tf.add(
          tf.add(policyLoss, tf.mul(c.vfCoef, valueLoss)),
          tf.mul(-c.entCoef, entropy),
        ) as tf.Scalar;
      }, vars);
      // Clipping, the update and reading the stats in one sync (Adam.step): no weight changes when the
      // loss, a part of it or a gradient is not finite.
      const taken = this.adam.step(
        vars.map((x) => grads[x.name]!),
        lr,
        { maxNorm: c.maxGradNorm, read: [loss, ...aux] },
      );
      tf.dispose(aux);
      if (!taken) return undefined;
      const values = taken.read;
      return {
        policyLoss: values[1]!,
        valueLoss: values[2]!,
        entropy: values[3]!,
        approxKl: values[4]!,
        clipFraction: values[5]!,
        gradNorm: taken.norm,
      };
    });
    return stats;
  }

  /** Policy, value net, Adam moments and the update count (for --resume). */
  toArrays(): NamedArrays {
    return {
      ...this.policy.toArrays(),
      ...this.value.toArrays(),
      ...this.adam.toArrays('ppo/adam'),
      'ppo/updates': namedArray([1], [this.updates]),
      ...(this.config.normalizeRewards ? this.returnStats.toArrays('ppo/returns') : {}),
    };
  }

  /** Restores what `toArrays` saved. The value net and optimiser state are optional (a bare policy file). */
  loadArrays(arrays: NamedArrays): void {
    this.policy.loadArrays(arrays);
    if (arrays['value/0/w']) this.value.loadArrays(arrays);
    if (arrays['ppo/adam/step']) this.adam.loadArrays(arrays, 'ppo/adam');
    if (arrays['ppo/updates']) this.updates = takeArray(arrays, 'ppo/updates', [1], 'PPO state')[0]!;
    if (arrays['ppo/returns/var']) this.returnStats.loadArrays(arrays, 'ppo/returns');
  }

  /** Frees the value net and optimiser state; the policy belongs to the caller. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.value.dispose();
    this.adam.dispose();
  }
}
