/**
 * GAIL — Generative Adversarial Imitation Learning (Ho & Ermon 2016, Algorithm 1), with absorbing
 * states for episode ends (Kostrikov et al. 2019, "Discriminator-Actor-Critic"). One round, in order:
 *
 *   1. collect   τ ~ π_θ: T steps of N envs through the rollout collector (streams/collector.ts)
 *   2. D steps   ψ ← Adam(∇ψ [E_expert softplus(−z) + E_π softplus(z)] + stabilisers)   (Alg. 1, step 4;
 *                expert batches drawn uniformly from the whole demo set; z = logit, expert high)
 *   3. rewards   r(s, a) = −log(1 − D) = softplus(z) (rewards.ts); with absorbing states the terminal
 *                value is V(s_abs) = r(s_abs, 0)/(1 − γ)
 *   4. policy    PolicyLearner.update(batch with those rewards)                (Alg. 1, step 5: TRPO
 *                in the paper; PPO by default here, both behind the same interface)
 *   5. metrics   D loss/accuracy/mean D on each side, gradient penalty, entropy, true return and score;
 *                the absorbing state's share of each side's pairs and D(s_abs) (issue 17: what the
 *                discriminator makes of ending)
 *   6. checkpoint
 *
 * The adversary is an `AdversarialRewardModel`: GAIL's D(s, a), or AIRL's f − log π on (s, a, s′)
 * (Fu et al. 2018; airl.ts), whose logit is the policy's reward (kind `logit`) — the same round.
 *
 * Every round runs synchronously inside the stream's `next`, so the source takes its next step only
 * after the policy has been updated: each rollout is acted by the current policy (on-policy).
 * A non-finite loss, gradient, weight or reward skips that update (the learner and discriminator keep
 * their last good weights) and is counted; `maxNonFiniteRounds` such rounds in a row abort the run.
 */
import type { Observable } from 'rxjs';
import { GailBridgeError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { permutation } from '../learn/train-utils.js';
import type { PolicyLearner, RolloutBatch, UpdateStats } from '../learn/types.js';
import { collectRollouts, type Rollout } from '../streams/collector.js';
import { driveRounds } from '../streams/drive-rounds.js';
import { type PairSet, pairComposition } from '../streams/pairs.js';
import type { StepBatch } from '../streams/step-batch.js';
import { type DiscStepStats, samplePairs, takePairs } from './discriminator.js';
import { absorbingValue, type RewardKind, rewardOfLogit, rewardsFromLogits } from './rewards.js';

/** The loop's settings (the command's config resolves into this; see config.ts for units and defaults). */
export interface GailLoopConfig {
  /** Steps per env per round (T). */
  readonly numSteps: number;
  /** Stop after this many env steps (T·N per round). */
  readonly totalEnvSteps: number;
  /** Absorbing states on terminated episodes (DAC). */
  readonly absorbing: boolean;
  /**
   * Pad terminated episodes with absorbing pairs up to this many steps (the task's horizon; pairs.ts);
   * absent → one pair per terminated episode. The expert pairs must have been wrapped the same way.
   */
  readonly absorbingHorizon?: number;
  /** Discriminator Adam steps per round (`discStepsPerRound`). */
  readonly discStepsPerRound: number;
  /** Pairs per side in one discriminator step. */
  readonly discBatchSize: number;
  readonly reward: RewardKind;
  /** The policy learner's discount, for the absorbing state's value. */
  readonly gamma: number;
  /** Consecutive rounds with a non-finite update before the run aborts. */
  readonly maxNonFiniteRounds: number;
  readonly seed: number;
  /** Returns that define the normalised score (R − random)/(expert − random); absent → no score. */
  readonly scoreRefs?: { readonly random: number; readonly expert: number };
}

/** One row of metrics.jsonl: what happened in one round. NaN marks "no value this round". */
/**
 * The discriminator's side of a round's metrics, the same for the on-policy (GAIL, AIRL) and the
 * off-policy (DAC) adversarial learners.
 */
export interface DiscriminatorRoundMetrics {
  readonly discLoss: number;
  readonly discAccExpert: number;
  readonly discAccPolicy: number;
  readonly discMeanDExpert: number;
  readonly discMeanDPolicy: number;
  readonly gradPenalty: number;
  /** Mean learned reward over the round's valid steps (DAC: over the sampled transitions). */
  readonly rewardMean: number;
  /** r(s_abs, 0) after this round's D steps; NaN without absorbing states. */
  readonly absorbingReward: number;
  /** D(s_abs, 0) = σ(logit) after this round's D steps; NaN without absorbing states. */
  readonly discAbsorbing: number;
  /** Share of the expert pairs that are absorbing (pairs.ts: the expert's share of absorbing time). */
  readonly absorbingShareExpert: number;
}

export interface IterationMetrics extends DiscriminatorRoundMetrics {
  readonly iteration: number;
  /** Env steps so far, this round's included. */
  readonly envSteps: number;
  readonly wallSeconds: number;
  /** Env steps per wall-clock second over this round (collection + updates). */
  readonly stepsPerSecond: number;
  /**
   * Where this round's time went, in seconds: collecting the rollout (env stepping and the policy's
   * actions), the discriminator (its steps and the rewards), the policy update.
   */
  readonly collectSeconds: number;
  readonly discSeconds: number;
  readonly policySeconds: number;
  /** Share of this round's policy pairs that are absorbing. */
  readonly absorbingSharePolicy: number;
  /** Mean length in steps of the episodes that ended this round (NaN when none did). */
  readonly episodeLengthMean: number;
  readonly policyEntropy: number;
  /** Episodes that ended this round (diverged ones included). */
  readonly episodes: number;
  /** Mean true return of the episodes that ended this round (NaN when none did). */
  readonly returnMean: number;
  readonly normalizedScore: number;
  readonly divergedEpisodes: number;
  /** Episodes cut because a ROS 2 robot or simulator went away mid-episode (left out, as diverged). */
  readonly interruptedEpisodes: number;
  /** Rounds skipped for non-finite values, over the run. */
  readonly nonFiniteRounds: number;
  /** Discriminator steps skipped for non-finite values this round. */
  readonly discSkipped: number;
  /** The learner's own statistics, prefixed "policy/". */
  readonly [policyStat: `policy/${string}`]: number;
}

/**
 * What the round needs of the adversary (STYLE 2: a narrow interface): GAIL's Discriminator D(s, a)
 * (discriminator.ts) and AIRL's D = exp f / (exp f + π) (airl.ts) both implement it. Logits follow
 * `logitsExpertIsHigh`; the round turns them into rewards with `GailLoopConfig.reward`.
 */
export interface AdversarialRewardModel {
  /** The policy side's samples of a rollout: GAIL its (s, a) pairs; AIRL its (s, a, s′) transitions. */
  policyPairs(rollout: Rollout): PairSet;
  /** Adds the real rows of `pairs` to the input statistics. */
  observe(pairs: PairSet): void;
  /** One optimiser step on an expert and a policy minibatch (rows of `policyPairs`' and the expert's sets). */
  step(expert: PairSet, policy: PairSet, rng: Rng): DiscStepStats;
  /** The logit of every step of the rollout (T·N, time-major), the reward's argument. */
  stepLogits(rollout: Rollout): Float32Array;
  /** The logit of the absorbing state (absorbing states on only). */
  absorbingLogit(): number;
}

/** What the trainer works on; the caller owns and disposes all of it. */
export interface GailParts {
  /** Step batches acted by `learner.policy` (streams/env-source.ts); subscribed once. */
  readonly source: Observable<StepBatch>;
  readonly learner: PolicyLearner;
  readonly discriminator: AdversarialRewardModel;
  /** Expert samples, wrapped like the policy's (streams/pairs.ts `trajectoryPairs`; AIRL: transitions). */
  readonly expert: PairSet;
}

export interface GailHooks {
  /** After each round's metrics (write metrics.jsonl, the progress bar, a checkpoint). Synchronous. */
  readonly onIteration?: (metrics: IterationMetrics) => void;
  /** Asked after each round; true ends the run cleanly (Ctrl-C). */
  readonly shouldStop?: () => boolean;
  /**
   * Called when a rollout is complete, before the discriminator and policy steps: nothing is collected
   * while they run (a real-time robot is put on its safe command here).
   */
  readonly beforeUpdate?: () => void;
  /** Env steps and rounds already done (resume). */
  readonly start?: { readonly envSteps: number; readonly iteration: number };
}

/** How a run ended. */
export interface GailResult {
  readonly iterations: number;
  readonly envSteps: number;
  readonly stopped: 'budget' | 'interrupted' | 'source-complete';
  readonly last: IterationMetrics | undefined;
}

/** Runs GAIL until the env-step budget, a stop request, or an error; see the file comment. */
export async function trainGail(
  parts: GailParts,
  config: GailLoopConfig,
  hooks: GailHooks = {},
): Promise<GailResult> {
  const { learner, discriminator: disc, expert } = parts;
  const rng = new Rng(config.seed).fork(17);
  let envSteps = hooks.start?.envSteps ?? 0;
  let iteration = hooks.start?.iteration ?? 0;
  let nonFiniteRounds = 0;
  let nonFiniteInARow = 0;
  let last: IterationMetrics | undefined;
  let roundStart = performance.now();
  const runStart = performance.now();
  const absorbingShareExpert = pairComposition(expert).absorbingShare;

  const round = (rollout: Rollout): void => {
    // 1. collect — done by the stream; the rollout's pairs are wrapped like the expert's.
    const collected = performance.now();
    hooks.beforeUpdate?.();
    const policyPairs = disc.policyPairs(rollout);
    if (policyPairs.n === 0)
      throw new GailBridgeError(
        'nonFinite',
        `GAIL round ${iteration}: every episode of the round diverged (the collector drops diverged episodes), ` +
          'so the discriminator has no policy pairs to compare with the expert; check the model (timestep, ' +
          'actuator gains, ctrlrange) or lower --policy-lr',
      );
    disc.observe(policyPairs);

    // 2. discriminator steps
    const dStats: DiscStepStats[] = [];
    const b = Math.min(config.discBatchSize, policyPairs.n);
    let order = permutation(policyPairs.n, rng);
    let at = 0;
    for (let k = 0; k < config.discStepsPerRound; k++) {
      // Policy minibatches walk a permutation of this round's pairs; expert ones sample the whole set.
      if (at + b > order.length) {
        order = permutation(policyPairs.n, rng);
        at = 0;
      }
      const policyBatch = takePairs(policyPairs, order.subarray(at, at + b));
      at += b;
      dStats.push(disc.step(samplePairs(expert, b, rng), policyBatch, rng));
    }

    // 3. rewards
    const rewards = rewardsFromLogits(disc.stepLogits(rollout), config.reward);
    const absorbingLogit = config.absorbing ? disc.absorbingLogit() : Number.NaN;
    const absorbingReward = config.absorbing ? rewardOfLogit(absorbingLogit, config.reward) : Number.NaN;
    const batch: RolloutBatch = {
      ...rollout.batch,
      rewards,
      ...(config.absorbing
        ? {
            terminalValue: terminalValues(
              rollout.batch.terminated,
              absorbingValue(absorbingReward, config.gamma),
            ),
          }
        : {}),
    };

    // 4. policy step
    const discDone = performance.now();
    const finiteRewards = allFinite(rewards) && (!config.absorbing || Number.isFinite(absorbingReward));
    let policyStats: UpdateStats = {};
    if (finiteRewards) policyStats = learner.update(batch);
    const discSkipped = dStats.reduce((a, s) => a + s.skipped, 0);
    const policySkipped = Object.values(policyStats).some((v) => !Number.isFinite(v));
    if (!finiteRewards || policySkipped || discSkipped === dStats.length) {
      nonFiniteRounds++;
      nonFiniteInARow++;
      if (nonFiniteInARow >= config.maxNonFiniteRounds)
        throw new GailBridgeError(
          'nonFinite',
          `GAIL round ${iteration}: ${nonFiniteInARow} rounds in a row had non-finite losses, gradients or rewards ` +
            '(updates skipped, last good weights kept); lower the learning rates, enable --grad-penalty, or check the demos',
        );
    } else {
      nonFiniteInARow = 0;
    }

    // 5. metrics
    envSteps += rollout.envSteps;
    const now = performance.now();
    const seconds = (from: number, to: number): number => (to - from) / 1000;
    const ended = rollout.episodes.filter((e) => e.end !== 'diverged' && e.end !== 'interrupted');
    const returns = ended.map((e) => e.return);
    const returnMean = returns.length > 0 ? returns.reduce((a, b) => a + b, 0) / returns.length : Number.NaN;
    const refs = config.scoreRefs;
    const valid = rollout.valid;
    let rSum = 0;
    let rCount = 0;
    for (let k = 0; k < rewards.length; k++) {
      if (valid[k]) {
        rSum += rewards[k]!;
        rCount++;
      }
    }
    const mean = (f: (s: DiscStepStats) => number): number =>
      dStats.length > 0 ? dStats.reduce((a, s) => a + f(s), 0) / dStats.length : Number.NaN;
    const metrics: IterationMetrics = {
      iteration,
      envSteps,
      wallSeconds: (now - runStart) / 1000,
      stepsPerSecond: rollout.envSteps / Math.max(1e-9, (now - roundStart) / 1000),
      collectSeconds: seconds(roundStart, collected),
      discSeconds: seconds(collected, discDone),
      policySeconds: seconds(discDone, now),
      discLoss: mean((s) => s.loss),
      discAccExpert: mean((s) => s.accExpert),
      discAccPolicy: mean((s) => s.accPolicy),
      discMeanDExpert: mean((s) => s.meanDExpert),
      discMeanDPolicy: mean((s) => s.meanDPolicy),
      gradPenalty: mean((s) => s.gradPenalty),
      rewardMean: rCount > 0 ? rSum / rCount : Number.NaN,
      absorbingReward,
      discAbsorbing: 1 / (1 + Math.exp(-absorbingLogit)),
      absorbingShareExpert,
      absorbingSharePolicy: pairComposition(policyPairs).absorbingShare,
      episodeLengthMean:
        ended.length > 0 ? ended.reduce((a, e) => a + e.length, 0) / ended.length : Number.NaN,
      policyEntropy: policyStats['entropy'] ?? Number.NaN,
      episodes: rollout.episodes.length,
      returnMean,
      normalizedScore: refs ? (returnMean - refs.random) / (refs.expert - refs.random) : Number.NaN,
      divergedEpisodes: rollout.diverged,
      interruptedEpisodes: rollout.interrupted,
      nonFiniteRounds,
      discSkipped,
      ...Object.fromEntries(Object.entries(policyStats).map(([k, v]) => [`policy/${k}`, v])),
    };
    last = metrics;
    iteration++;

    // 6. checkpoint (and whatever else the caller does per round)
    hooks.onIteration?.(metrics);
    roundStart = performance.now();
  };

  const stopped = await driveRounds(
    parts.source.pipe(
      collectRollouts({
        numSteps: config.numSteps,
        absorbing: config.absorbing,
        ...(config.absorbingHorizon !== undefined ? { absorbingHorizon: config.absorbingHorizon } : {}),
      }),
    ),
    round,
    {
      budgetReached: () => envSteps >= config.totalEnvSteps,
      ...(hooks.shouldStop ? { shouldStop: hooks.shouldStop } : {}),
    },
  );
  return { iterations: iteration, envSteps, stopped, last };
}

/** terminalValue per step: `value` where terminated, else 0. */
function terminalValues(terminated: Uint8Array, value: number): Float32Array {
  const out = new Float32Array(terminated.length);
  for (let k = 0; k < terminated.length; k++) if (terminated[k]) out[k] = value;
  return out;
}

function allFinite(x: Float32Array): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) return false;
  return true;
}
