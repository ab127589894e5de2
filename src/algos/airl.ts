/**
 * AIRL under the run layer (Fu, Luo & Levine 2018): GAIL's wiring (src/algos/gail.ts: backend, demos,
 * env, policy, PPO or TRPO, the round of src/gail/trainer.ts) with AIRL's discriminator as the adversary
 * (src/gail/airl.ts: D = exp f / (exp f + π), f = g(s) + γ h(s′) − h(s)) trained on expert and policy
 * transitions (s, a, s′) (streams/transitions.ts), and the policy rewarded with f − log π.
 *
 * Like GAIL's, the run folder gets `reward.reward` (RUN_FILES.reward), here the learned state-only g
 * (with h, the state normaliser, the spec and γ; src/data/reward-file.ts), written with every checkpoint
 * and when the run ends or stops, so `gail-bridge expert --reward RUN/reward.reward` can optimise it from
 * scratch on the same or a changed env.
 */
import { AirlDiscriminator } from '../gail/airl.js';
import type { AirlConfig } from '../gail/airl-config.js';
import { airlRewardRecord } from '../gail/learned-reward.js';
import {
  type AdversarialOptions,
  type Adversary,
  type AdversaryContext,
  adversarialAlgorithm,
  type BuiltAdversary,
  expertSamples,
  type GailAlgorithm,
} from './gail.js';

/**
 * AIRL's discriminator and expert transitions: g and h on states, log π from the run's policy; the
 * policy's reward f − α log π with α = `entropyWeight` (AirlConfig).
 */
export function buildAirl(
  ctx: AdversaryContext,
  entropyWeight = 1,
): BuiltAdversary & { readonly model: AirlDiscriminator } {
  const { config, obsDim, actDim, policy, root } = ctx;
  const disc = new AirlDiscriminator(
    obsDim,
    actDim,
    config.absorbing,
    {
      hiddenSizes: config.discHidden,
      learningRate: config.discLr,
      gamma: config.gamma,
      labelSmoothing: config.labelSmoothing,
      weightDecay: config.weightDecay,
      entropyWeight,
      gradientPenalty: config.gradPenalty,
    },
    (obs, actions, n) => policy.logProbOf(obs, actions, n),
    root.fork(1),
  );
  return {
    model: disc,
    expert: expertSamples(ctx, true),
    reward: 'logit',
    rewardRecord: (spec, training) => airlRewardRecord(disc, spec, training),
  };
}

/** AIRL as an adversary of the shared wiring, with the policy's reward f − α log π. */
export function airlAdversary(entropyWeight: number): Adversary {
  return { name: 'airl', title: 'AIRL', build: (ctx) => buildAirl(ctx, entropyWeight) };
}

/** Builds AIRL for `config`; with `options.dir`, the learned reward goes to `dir`/reward.reward. */
export function airlAlgorithm(config: AirlConfig, options: AdversarialOptions = {}): Promise<GailAlgorithm> {
  return adversarialAlgorithm(config, airlAdversary(config.entropyWeight), options);
}
