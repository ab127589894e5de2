/**
 * DAC — Discriminator-Actor-Critic (Kostrikov et al. 2019, Algorithm 1): off-policy adversarial imitation
 * with TD3 (Fujimoto et al. 2018) as the actor-critic, a replay buffer, absorbing states, and the
 * discriminator trained on replay vs expert pairs with the gradient penalty. One round, in order:
 *
 *   1. collect   T steps of N envs through the rollout collector (streams/collector.ts), acting with
 *                the exploration policy: uniform random for the first `startSteps` env steps, then
 *                a = clip(π(s) + ε, low, high), ε ~ N(0, (σ · scale)²) (TD3 §6.1)
 *   2. store     the steps into the replay buffer R, terminal steps wrapped with the absorbing state
 *                (replay-buffer.ts, Alg. 1 line 5–6); the policy's and D's input statistics see them
 *   3. updates   T·N · updatesPerStep times (Alg. 1 line 7–15; none before `startSteps`):
 *                a. D step    ψ ← Adam ∇ψ [E_E softplus(−z) + E_R softplus(z) + λ GP]  (replay vs expert
 *                             minibatches, λ = 10, every `discEvery` updates; gail/discriminator.ts)
 *                b. rewards   r(s, a) = log D − log(1 − D) = z for the sampled transitions, with the
 *                             current D (Alg. 1 line 11; gail/rewards.ts `logit`), r(s_abs) for
 *                             absorbing → absorbing transitions
 *                c. TD3       critics, and every d-th update the actor and the targets (learn/td3.ts)
 *   4. evaluate  every `evalEvery` rounds: deterministic episodes on the true reward (information only)
 *   5. metrics   critic and actor losses, Q, D loss/accuracy, rewards, absorbing state, returns, timing
 *   6. checkpoint
 *
 * Every round runs synchronously inside the stream's `next`, so the env waits while the updates run
 * (one env step, one update, as in the paper, in blocks of T). Random streams (exploration, minibatches,
 * smoothing and interpolation noise) restart from (seed, round) each round, so a run resumed from a
 * checkpoint at a round boundary draws what an uninterrupted one would.
 */
import type { Observable } from 'rxjs';
import { GailBridgeError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type Discriminator, type DiscStepStats, samplePairs } from '../gail/discriminator.js';
import { type RewardKind, rewardOfLogit, rewardsFromLogits } from '../gail/rewards.js';
import type { DiscriminatorRoundMetrics } from '../gail/trainer.js';
import type { Td3Learner, Td3Stats } from '../learn/td3.js';
import type { ActResult, Policy } from '../learn/types.js';
import { collectRollouts, type Rollout } from '../streams/collector.js';
import { driveRounds } from '../streams/drive-rounds.js';
import { type PairSet, pairComposition } from '../streams/pairs.js';
import type { StepBatch } from '../streams/step-batch.js';
import { type ReplayBuffer, replayPairs } from './replay-buffer.js';

/** The loop's settings (config.ts resolves the command's into this; units and defaults there). */
export interface DacLoopConfig {
  /** Steps per env per round (T). */
  readonly numSteps: number;
  /** Stop after this many env steps. */
  readonly totalEnvSteps: number;
  /** Env steps of uniform random actions before the policy acts and the updates start. */
  readonly startSteps: number;
  /** TD3 updates per env step. */
  readonly updatesPerStep: number;
  /** Transitions per TD3 minibatch. */
  readonly batchSize: number;
  /** Pairs per side in one discriminator step. */
  readonly discBatchSize: number;
  /** One discriminator step every this many TD3 updates. */
  readonly discEvery: number;
  /** Exploration noise σ, as a fraction of the half-range of each action dimension. */
  readonly explNoise: number;
  readonly reward: RewardKind;
  /** Absorbing states on terminated episodes; the replay buffer and D must agree. */
  readonly absorbing: boolean;
  /** Discount γ of the absorbing-state bootstraps (the learner's). */
  readonly gamma: number;
  /** Consecutive rounds whose every update was non-finite before the run aborts. */
  readonly maxNonFiniteRounds: number;
  readonly seed: number;
  /** Rounds between deterministic evaluations (0: none). */
  readonly evalEvery: number;
  /** Returns that define the normalised score (R − random)/(expert − random); absent → no score. */
  readonly scoreRefs?: { readonly random: number; readonly expert: number };
}

/** One row of metrics.jsonl. NaN marks "no value this round". */
export interface DacMetrics extends DiscriminatorRoundMetrics {
  readonly iteration: number;
  readonly envSteps: number;
  readonly wallSeconds: number;
  /** Env steps per wall-clock second over this round (collection and updates). */
  readonly stepsPerSecond: number;
  /** Where the round's time went, in seconds: collecting, discriminator steps, TD3 updates, evaluation. */
  readonly collectSeconds: number;
  readonly discSeconds: number;
  readonly policySeconds: number;
  readonly evalSeconds: number;
  /** TD3 updates this round, and their mean cost in ms (the D steps' time excluded). */
  readonly updates: number;
  readonly msPerUpdate: number;
  readonly replaySize: number;
  readonly criticLoss: number;
  readonly q: number;
  readonly actorLoss: number;
  /** Share of the replay's transitions that start in the absorbing state. */
  readonly absorbingShareReplay: number;
  readonly episodes: number;
  /** Mean true return of the training episodes that ended this round (exploration noise included). */
  readonly returnMean: number;
  readonly episodeLengthMean: number;
  /** Mean deterministic return of this round's evaluation (NaN on rounds without one). */
  readonly evalReturn: number;
  /** The normalised score of `evalReturn`. */
  readonly normalizedScore: number;
  readonly divergedEpisodes: number;
  readonly nonFiniteRounds: number;
  readonly discSkipped: number;
  readonly td3Skipped: number;
}

/** What the trainer works on; the caller owns and disposes all of it. */
export interface DacParts {
  /** Step batches from the envs, acted by the given policy (streams/env-source.ts); subscribed once. */
  readonly source: (explore: Policy) => Observable<StepBatch>;
  readonly td3: Td3Learner;
  readonly discriminator: Discriminator;
  /** Expert pairs, wrapped as the replay is (`trajectoryPairs`, one absorbing pair per terminated episode). */
  readonly expert: PairSet;
  readonly replay: ReplayBuffer;
  /** Deterministic returns of the current policy on the true reward; absent → no evaluation. */
  readonly evaluate?: () => readonly number[];
}

export interface DacHooks {
  readonly onIteration?: (metrics: DacMetrics) => void;
  readonly shouldStop?: () => boolean;
  /** Called when a rollout is complete, before the updates (a real-time robot holds its safe command). */
  readonly beforeUpdate?: () => void;
  readonly start?: { readonly envSteps: number; readonly iteration: number };
}

export interface DacResult {
  readonly iterations: number;
  readonly envSteps: number;
  readonly stopped: 'budget' | 'interrupted' | 'source-complete';
  readonly last: DacMetrics | undefined;
}

/**
 * The exploration policy of step 1: uniform random actions in the bounds until `startSteps` env steps,
 * then the actor's action plus Gaussian noise, clipped to the bounds. `envSteps` counts from the run's
 * start (a resumed run continues the count).
 */
export function explorationPolicy(
  actor: Policy & { readonly bounds: { scale: Float32Array; offset: Float32Array } | undefined },
  options: {
    readonly startSteps: number;
    readonly explNoise: number;
    readonly envSteps: number;
    /** The generator of the noise and the random actions (asked at every call: it changes by round). */
    readonly rng: () => Rng;
  },
): Policy {
  const bounds = actor.bounds;
  if (!bounds) throw new GailBridgeError('config', 'DAC: the actor needs action bounds (a tanh output)');
  const { scale, offset } = bounds;
  let steps = options.envSteps;
  return {
    obsDim: actor.obsDim,
    actDim: actor.actDim,
    act(obs: Float32Array, n: number): ActResult {
      const A = actor.actDim;
      const random = steps < options.startSteps;
      steps += n;
      const mean = random ? undefined : actor.act(obs, n, 'deterministic').actions;
      const actions = new Float32Array(n * A);
      const rng = options.rng();
      for (let i = 0; i < n * A; i++) {
        const j = i % A;
        const a = mean
          ? mean[i]! + options.explNoise * scale[j]! * rng.normal()
          : offset[j]! + scale[j]! * rng.uniform(-1, 1);
        actions[i] = Math.min(offset[j]! + scale[j]!, Math.max(offset[j]! - scale[j]!, a));
      }
      return { actions, logProbs: new Float32Array(n) };
    },
    dispose() {},
  };
}

/** Runs DAC until the env-step budget, a stop request, or an error; see the file comment. */
export async function trainDac(
  parts: DacParts,
  config: DacLoopConfig,
  hooks: DacHooks = {},
): Promise<DacResult> {
  const { td3, discriminator: disc, expert, replay } = parts;
  let envSteps = hooks.start?.envSteps ?? 0;
  let iteration = hooks.start?.iteration ?? 0;
  let nonFiniteRounds = 0;
  let nonFiniteInARow = 0;
  let last: DacMetrics | undefined;
  let roundStart = performance.now();
  const runStart = performance.now();
  const absorbingShareExpert = pairComposition(expert).absorbingShare;
  // The round's random streams, from (seed, round): see the file comment.
  const roundRng = (round: number, stream: number): Rng => new Rng(config.seed + round * 7919).fork(stream);
  let exploreRng = roundRng(iteration, 1);
  const explore = explorationPolicy(td3.policy, {
    startSteps: config.startSteps,
    explNoise: config.explNoise,
    envSteps,
    rng: () => exploreRng,
  });

  const round = (rollout: Rollout): void => {
    // 1. collect — done by the stream.
    const collected = performance.now();
    hooks.beforeUpdate?.();

    // 2. store
    const batch = rollout.batch;
    replay.addRollout(batch);
    const validObs = validRows(batch.obs, batch.obsDim, rollout.valid);
    td3.policy.obsNorm.update(validObs.rows, validObs.n);
    disc.observe(rollout.policyPairs);
    const stepsAfter = envSteps + rollout.envSteps;

    // 3. updates
    const rng = roundRng(iteration, 2);
    td3.reseed(config.seed + iteration * 7919 + 3);
    const dStats: DiscStepStats[] = [];
    const tStats: Td3Stats[] = [];
    let rSum = 0;
    let rCount = 0;
    let discMs = 0;
    // One update per env step taken after `startSteps` (times updatesPerStep).
    const learningSteps = Math.max(0, Math.min(rollout.envSteps, stepsAfter - config.startSteps));
    const updates = Math.round(learningSteps * config.updatesPerStep);
    for (let u = 0; u < updates; u++) {
      if (u % config.discEvery === 0) {
        const t0 = performance.now();
        const policyBatch = replayPairs(replay.sample(config.discBatchSize, rng), config.absorbing);
        dStats.push(disc.step(samplePairs(expert, config.discBatchSize, rng), policyBatch, rng));
        discMs += performance.now() - t0;
      }
      const sample = replay.sample(config.batchSize, rng);
      const rewards = rewardsFromLogits(disc.logits(replayPairs(sample, config.absorbing)), config.reward);
      const discounts = new Float32Array(sample.n);
      for (let i = 0; i < sample.n; i++) {
        discounts[i] = sample.bootstrap[i] ? config.gamma : 0;
        rSum += rewards[i]!;
        rCount++;
      }
      tStats.push(
        td3.update({
          n: sample.n,
          obs: sample.obs,
          actions: sample.actions,
          rewards,
          nextObs: sample.nextObs,
          discounts,
        }),
      );
    }
    const updated = performance.now();

    // 4. evaluate
    const evaluateNow =
      parts.evaluate !== undefined &&
      config.evalEvery > 0 &&
      ((iteration + 1) % config.evalEvery === 0 || stepsAfter >= config.totalEnvSteps);
    const evalReturns = evaluateNow ? parts.evaluate!() : [];
    const evalReturn = mean(evalReturns);
    const evaluated = performance.now();

    // 5. metrics
    const discSkipped = dStats.reduce((a, s) => a + s.skipped, 0);
    const td3Skipped = tStats.reduce((a, s) => a + s.skipped, 0);
    if (updates > 0 && (td3Skipped === tStats.length || discSkipped === dStats.length)) {
      nonFiniteRounds++;
      nonFiniteInARow++;
      if (nonFiniteInARow >= config.maxNonFiniteRounds)
        throw new GailBridgeError(
          'nonFinite',
          `DAC round ${iteration}: ${nonFiniteInARow} rounds in a row had only non-finite updates ` +
            '(skipped, last good weights kept); lower --actor-lr/--critic-lr/--disc-lr or check the demos',
        );
    } else nonFiniteInARow = 0;
    envSteps = stepsAfter;
    const now = performance.now();
    const ended = rollout.episodes.filter((e) => e.end !== 'diverged' && e.end !== 'interrupted');
    const absorbingLogit = config.absorbing ? disc.absorbingLogit() : Number.NaN;
    const refs = config.scoreRefs;
    const avg = <T>(xs: readonly T[], f: (x: T) => number): number => mean(xs.map(f).filter(Number.isFinite));
    const metrics: DacMetrics = {
      iteration,
      envSteps,
      wallSeconds: (now - runStart) / 1000,
      stepsPerSecond: rollout.envSteps / Math.max(1e-9, (now - roundStart) / 1000),
      collectSeconds: (collected - roundStart) / 1000,
      discSeconds: discMs / 1000,
      policySeconds: (updated - collected - discMs) / 1000,
      evalSeconds: (evaluated - updated) / 1000,
      updates,
      msPerUpdate: updates > 0 ? (updated - collected - discMs) / updates : Number.NaN,
      replaySize: replay.size,
      criticLoss: avg(tStats, (s) => s.criticLoss),
      q: avg(tStats, (s) => s.q),
      actorLoss: avg(tStats, (s) => s.actorLoss),
      discLoss: avg(dStats, (s) => s.loss),
      discAccExpert: avg(dStats, (s) => s.accExpert),
      discAccPolicy: avg(dStats, (s) => s.accPolicy),
      discMeanDExpert: avg(dStats, (s) => s.meanDExpert),
      discMeanDPolicy: avg(dStats, (s) => s.meanDPolicy),
      gradPenalty: avg(dStats, (s) => s.gradPenalty),
      rewardMean: rCount > 0 ? rSum / rCount : Number.NaN,
      absorbingReward: config.absorbing ? rewardOfLogit(absorbingLogit, config.reward) : Number.NaN,
      discAbsorbing: 1 / (1 + Math.exp(-absorbingLogit)),
      absorbingShareExpert,
      absorbingShareReplay: replayAbsorbingShare(replay),
      episodes: rollout.episodes.length,
      returnMean: avg(ended, (e) => e.return),
      episodeLengthMean: avg(ended, (e) => e.length),
      evalReturn,
      normalizedScore: refs ? (evalReturn - refs.random) / (refs.expert - refs.random) : Number.NaN,
      divergedEpisodes: rollout.diverged,
      nonFiniteRounds,
      discSkipped,
      td3Skipped,
    };
    last = metrics;
    iteration++;
    exploreRng = roundRng(iteration, 1);

    // 6. checkpoint (and whatever else the caller does per round)
    hooks.onIteration?.(metrics);
    roundStart = performance.now();
  };

  const stopped = await driveRounds(
    parts.source(explore).pipe(collectRollouts({ numSteps: config.numSteps, absorbing: config.absorbing })),
    round,
    {
      budgetReached: () => envSteps >= config.totalEnvSteps,
      ...(hooks.shouldStop ? { shouldStop: hooks.shouldStop } : {}),
    },
  );
  return { iterations: iteration, envSteps, stopped, last };
}

function mean(xs: readonly number[]): number {
  return xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

/** The rows of `obs` (n × dim) whose `valid` flag is set. */
function validRows(obs: Float32Array, dim: number, valid: Uint8Array): { rows: Float32Array; n: number } {
  let n = 0;
  for (const v of valid) if (v) n++;
  const rows = new Float32Array(n * dim);
  let at = 0;
  for (let k = 0; k < valid.length; k++) {
    if (!valid[k]) continue;
    rows.set(obs.subarray(k * dim, (k + 1) * dim), at * dim);
    at++;
  }
  return { rows, n };
}

/** Share of the replay's transitions that start in the absorbing state. */
function replayAbsorbingShare(replay: ReplayBuffer): number {
  return replay.absorbingCount / Math.max(1, replay.size);
}
