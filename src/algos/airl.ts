/**
 * AIRL under the run layer (Fu, Luo & Levine 2018): GAIL's wiring (src/algos/gail.ts: backend, demos,
 * env, policy, PPO or TRPO, the round of src/gail/trainer.ts) with AIRL's discriminator as the adversary
 * (src/gail/airl.ts: D = exp f / (exp f + π), f = g(s) + γ h(s′) − h(s)) trained on expert and policy
 * transitions (s, a, s′) (streams/transitions.ts), and the policy rewarded with f − log π.
 *
 * What AIRL adds to a run folder: `reward.reward`, the learned reward g (with h, the state normaliser, the
 * spec and γ; src/data/reward-file.ts), written with every checkpoint and when the run ends or stops, so
 * `gail-bridge expert --reward RUN/reward.reward` can optimise it from scratch on the same or a changed env.
 */
import { join } from 'node:path';
import { writeRewardFile } from '../data/reward-file.js';
import { AirlDiscriminator } from '../gail/airl.js';
import type { AirlConfig } from '../gail/airl-config.js';
import { airlRewardRecord } from '../gail/airl-reward.js';
import { trajectoryTransitions } from '../streams/transitions.js';
import {
  type AdversarialOptions,
  type Adversary,
  type AdversaryContext,
  adversarialAlgorithm,
  type BuiltAdversary,
  type GailAlgorithm,
} from './gail.js';

/** The reward file in an AIRL run folder. */
export const AIRL_REWARD_FILE = 'reward.reward';

/** AIRL's discriminator and expert transitions: g and h on states, log π from the run's policy. */
export function buildAirl({
  config,
  obsDim,
  actDim,
  policy,
  trajectories,
  absorbingHorizon,
  root,
}: AdversaryContext): BuiltAdversary & { readonly model: AirlDiscriminator } {
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
    },
    (obs, actions, n) => policy.logProbOf(obs, actions, n),
    root.fork(1),
  );
  const options = {
    absorbing: config.absorbing,
    subsample: config.subsample,
    rng: root.fork(2),
    ...(absorbingHorizon !== undefined ? { absorbingHorizon } : {}),
  };
  return { model: disc, expert: trajectoryTransitions(trajectories, options), reward: 'logit' };
}

/** AIRL as an adversary of the shared wiring. */
export const AIRL_ADVERSARY: Adversary = { name: 'airl', title: 'AIRL', build: buildAirl };

/** AIRL as the run layer sees it; `rewardFile` is where the learned reward is written. */
export interface AirlAlgorithm extends GailAlgorithm {
  readonly rewardFile: string;
}

/** Builds AIRL for `config`, writing the learned reward to `dir`/reward.reward at every checkpoint. */
export async function airlAlgorithm(
  config: AirlConfig,
  options: Omit<AdversarialOptions, 'onCheckpoint'> & { readonly dir: string },
): Promise<AirlAlgorithm> {
  const rewardFile = join(options.dir, AIRL_REWARD_FILE);
  let spec: GailAlgorithm['spec'] | undefined;
  let disc: AirlDiscriminator | undefined;
  const adversary: Adversary = {
    ...AIRL_ADVERSARY,
    build: (ctx) => {
      const built = buildAirl(ctx);
      disc = built.model;
      return built;
    },
  };
  const algorithm = await adversarialAlgorithm(config, adversary, {
    ...options,
    onCheckpoint: (_model, progress) => {
      if (disc === undefined || spec === undefined) return;
      writeRewardFile(
        rewardFile,
        airlRewardRecord(disc, spec, {
          algo: `airl-${config.policyOpt}`,
          envSteps: progress.envSteps,
          seed: config.seed,
          date: new Date().toISOString(),
          extra: {
            task: config.task ?? config.model ?? '',
            rounds: String(progress.round),
            demos: config.demos,
          },
        }),
      );
    },
  });
  spec = algorithm.spec;
  return { ...algorithm, rewardFile };
}
