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
import { computeGae, validateBatchForPolicy } from './gae.js';
import { type GaussianPolicy, HALF_LOG_2PI } from './gaussian-policy.js';
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

/** The statistics of one minibatch step (means over its rows). */
export interface PpoStepStats {
  readonly policyLoss: number;
  readonly valueLoss: number;
  readonly entropy: number;
  readonly approxKl: number;
  readonly clipFraction: number;
  readonly gradNorm: number;
}

/** What `ppoLossHead` needs of one minibatch of B rows: the networks' outputs and the batch. */
export interface PpoHeadInput {
  /** B × actDim, μ(obsNorm). */
  readonly mean: Float32Array;
  /** actDim. */
  readonly logStd: Float32Array;
  /** B, V(obsNorm). */
  readonly values: Float32Array;
  /** B × actDim; B each of the rest. */
  readonly actions: Float32Array;
  readonly oldLogProbs: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  readonly oldValues: Float32Array;
  readonly rows: number;
  readonly actDim: number;
}

/**
 * PPO's loss on one minibatch from the networks' outputs (see the file comment for L_clip, L_V and L) and
 * its gradient with respect to those outputs, in float64:
 *
 *   z = (a − μ)·e^{−log σ};  log π = −½Σz² − Σ log σ − (d/2) log 2π;  ρ = e^{log π − log π_old}
 *   ∂L/∂ρ_i = −Â_i/B where the surrogate's unclipped term is the minimum or ρ_i ∈ [1 − ε, 1 + ε], else 0
 *   ∂L/∂μ_ij = ∂L/∂ρ_i · ρ_i · z_ij e^{−log σ_j};  ∂L/∂log σ_j = Σ_i ∂L/∂ρ_i · ρ_i (z_ij² − 1) − c_H
 *   ∂L/∂V_i = c_V/B · (V_i − R_i), or with the value clip, where the clipped error is the larger,
 *             c_V/B · (V_clipped,i − R_i) · [|V_i − V_old,i| ≤ ε_V]
 *
 * Ties go where tf.minimum, tf.maximum and tf.clipByValue send their gradients (the first argument; the
 * closed interval), so this is the gradient a tape over the same loss computes. Undefined when the loss or
 * a gradient is not finite (the step is skipped).
 */
export function ppoLossHead(
  m: PpoHeadInput,
  c: Pick<PpoConfig, 'clipRange' | 'clipRangeValue' | 'entCoef' | 'vfCoef' | 'normalizeAdvantages'>,
):
  | {
      readonly stats: Omit<PpoStepStats, 'gradNorm'>;
      readonly dMean: Float32Array;
      readonly dLogStd: Float32Array;
      readonly dValues: Float32Array;
    }
  | undefined {
  const B = m.rows;
  const d = m.actDim;
  // Advantages normalised within the minibatch: (Â − mean)/(std + 1e-8), the population std.
  let advMean = 0;
  let advScale = 1;
  if (c.normalizeAdvantages && B > 1) {
    for (let i = 0; i < B; i++) advMean += m.advantages[i]!;
    advMean /= B;
    let variance = 0;
    for (let i = 0; i < B; i++) variance += (m.advantages[i]! - advMean) ** 2;
    advScale = 1 / (Math.sqrt(variance / B) + 1e-8);
  }
  const invStd = new Float64Array(d);
  let logNorm = 0;
  let entropy = 0;
  for (let j = 0; j < d; j++) {
    invStd[j] = Math.exp(-m.logStd[j]!);
    logNorm += m.logStd[j]! + HALF_LOG_2PI;
    entropy += m.logStd[j]! + HALF_LOG_2PI + 0.5;
  }
  const eps = c.clipRange;
  const dMean = new Float32Array(B * d);
  const dLogStd = new Float64Array(d);
  const dValues = new Float32Array(B);
  let surrSum = 0;
  let vErrSum = 0;
  let klSum = 0;
  let clipped = 0;
  for (let i = 0; i < B; i++) {
    let sq = 0;
    for (let j = 0; j < d; j++) {
      const z = (m.actions[i * d + j]! - m.mean[i * d + j]!) * invStd[j]!;
      sq += z * z;
    }
    const logRatio = -0.5 * sq - logNorm - m.oldLogProbs[i]!;
    const ratio = Math.exp(logRatio);
    const adv = c.normalizeAdvantages && B > 1 ? (m.advantages[i]! - advMean) * advScale : m.advantages[i]!;
    const unclippedTerm = ratio * adv;
    const ratioClipped = Math.min(1 + eps, Math.max(1 - eps, ratio));
    const clippedTerm = ratioClipped * adv;
    surrSum += Math.min(unclippedTerm, clippedTerm);
    const gradFlows = unclippedTerm <= clippedTerm || (ratio >= 1 - eps && ratio <= 1 + eps);
    const dLogp = gradFlows ? (-adv / B) * ratio : 0;
    if (dLogp !== 0) {
      for (let j = 0; j < d; j++) {
        const z = (m.actions[i * d + j]! - m.mean[i * d + j]!) * invStd[j]!;
        dMean[i * d + j] = dLogp * z * invStd[j]!;
        dLogStd[j] = dLogStd[j]! + dLogp * (z * z - 1);
      }
    }
    klSum += ratio - 1 - logRatio;
    if (Math.abs(ratio - 1) > eps) clipped++;
    // Value loss, clipped around the old value (when set).
    const v = m.values[i]!;
    const err = v - m.returns[i]!;
    let vErr = err * err;
    let dv = err;
    if (c.clipRangeValue !== undefined) {
      const delta = v - m.oldValues[i]!;
      const deltaClipped = Math.min(c.clipRangeValue, Math.max(-c.clipRangeValue, delta));
      const errClipped = m.oldValues[i]! + deltaClipped - m.returns[i]!;
      if (errClipped * errClipped > vErr) {
        vErr = errClipped * errClipped;
        dv = Math.abs(delta) <= c.clipRangeValue ? errClipped : 0;
      }
    }
    vErrSum += vErr;
    dValues[i] = (c.vfCoef / B) * dv;
  }
  for (let j = 0; j < d; j++) dLogStd[j] = dLogStd[j]! - c.entCoef;
  const stats = {
    policyLoss: -surrSum / B,
    valueLoss: (0.5 * vErrSum) / B,
    entropy,
    approxKl: klSum / B,
    clipFraction: clipped / B,
  };
  if (!Object.values(stats).every(Number.isFinite)) return undefined;
  return { stats, dMean, dLogStd: Float32Array.from(dLogStd), dValues };
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
    this.value = ValueFunction.forPolicy(policy, this.config.valueHiddenSizes, root.fork(0));
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
    validateBatchForPolicy('PPO', raw, this.policy);
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

  /**
   * One minibatch step; undefined (and no change to any weight) when the loss or a gradient is
   * non-finite. The networks run forward on tensors (`Mlp.forwardTrace`), the loss and its gradient with
   * respect to μ, log σ and V are computed here in JavaScript (`ppoLossHead`: B × (actDim + 1) numbers,
   * where a gradient tape spent ~60 kernels), and the gradients go back through the networks without a
   * tape (`Mlp.backward`): about half the kernels of tf.variableGrads over the whole loss, each of them
   * costing ~5 µs of dispatch on wasm whatever its size (bench/probes/ppo-step-split.ts).
   */
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
    lr: number,
  ): PpoStepStats | undefined {
    const c = this.config;
    const { obsDim, actDim } = this.policy;
    return tf.tidy(() => {
      const obs = tf.tensor2d(mb.obs, [mb.rows, obsDim]);
      const pi = this.policy.mean.forwardTrace(obs);
      const v = this.value.net.forwardTrace(obs);
      const head = ppoLossHead(
        {
          mean: pi.out.dataSync() as Float32Array,
          logStd: this.policy.logStd.dataSync() as Float32Array,
          values: v.out.dataSync() as Float32Array,
          actions: mb.actions,
          oldLogProbs: mb.oldLogProbs,
          advantages: mb.advantages,
          returns: mb.returns,
          oldValues: mb.oldValues,
          rows: mb.rows,
          actDim,
        },
        c,
      );
      if (head === undefined) return undefined;
      const grads = [
        ...this.policy.mean.backward(pi, tf.tensor2d(head.dMean, [mb.rows, actDim])),
        tf.tensor1d(head.dLogStd),
        ...this.value.net.backward(v, tf.tensor2d(head.dValues, [mb.rows, 1])),
      ];
      // Clipping and the update in one read (Adam.step): no weight changes when a gradient is not finite.
      const taken = this.adam.step(grads, lr, { maxNorm: c.maxGradNorm });
      if (!taken) return undefined;
      return { ...head.stats, gradNorm: taken.norm };
    });
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
