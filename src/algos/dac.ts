/**
 * DAC under the run layer (src/run): TD3's actor is the policy, TD3 (critics, targets, optimisers) the
 * learner, and the discriminator with the replay buffer the reward model, driven by the DAC round of
 * src/dac/trainer.ts. This file wires the real pieces — backend, demos, env, actor, learner,
 * discriminator, expert pairs, replay buffer, evaluation envs — and hands each round's metrics to the run
 * layer, which owns the folder, checkpoints, report, stop and resume.
 *
 * The actor is a GaussianPolicy with a tanh output scaled to the action bounds (learn/gaussian-policy.ts),
 * so policy.policy is an ordinary policy file: `eval`, `deploy`, `export` and `view` run its mean, the
 * deterministic actor. Its log σ holds the exploration noise (σ = explNoise · half-range), not learned.
 */
import { describeEnvTarget } from '../config/task.js';
import { selectionRecord } from '../core/demo-selection.js';
import { GailBridgeError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Spec } from '../core/spec.js';
import type { DacSettings } from '../dac/config.js';
import { ReplayBuffer } from '../dac/replay-buffer.js';
import { dacReportLayout } from '../dac/report.js';
import { trainDac } from '../dac/trainer.js';
import { Discriminator } from '../gail/discriminator.js';
import { parseBackendChoice, useBackend } from '../learn/backend.js';
import { evaluate } from '../learn/evaluate.js';
import { GaussianPolicy } from '../learn/gaussian-policy.js';
import { Td3Learner } from '../learn/td3.js';
import { metricsRow, type TrainingAlgorithm } from '../run/algorithm.js';
import type { Env } from '../sim/types.js';
import { envSource, envsAsBatch } from '../streams/env-source.js';
import { trajectoryPairs } from '../streams/pairs.js';
import { chosenDemonstrations, trainingEnv } from './demonstrations.js';

export { DAC_DEFAULTS, type DacSettings, resolveDacSettings } from '../dac/config.js';

/** Reset seed of evaluation episode 0, as `train` and `eval` use. */
const EVAL_SEED = 1_000_000;

/** DAC as the run layer sees it, and what the command reports about its setup. */
export interface DacAlgorithm extends TrainingAlgorithm {
  readonly backend: string;
  /** Expert pairs the discriminator is given (absorbing pairs included) and trajectories used. */
  readonly demoPairs: number;
  readonly trajectories: number;
  /** The returns that define the normalised score (NaN when the task has no reward). */
  readonly scoreRefs: { readonly random: number; readonly expert: number };
}

/** What the builder needs besides the settings; tests may replace the env. */
export interface DacOptions {
  readonly log?: (line: string) => void;
  /** Makes one env of the task (default: the settings' task or model). */
  readonly makeEnv?: (seed: number) => Promise<Env>;
}

/** Builds DAC for `s`: backend, demos checked against the env, the random baseline, every part. */
export async function dacAlgorithm(s: DacSettings, options: DacOptions = {}): Promise<DacAlgorithm> {
  const log = options.log ?? (() => {});
  const env = trainingEnv(s, options.makeEnv);
  const { target, makeEnv, hasReward } = env;
  const { demo, selection, trajectories, source, scoreRefs } = await chosenDemonstrations(
    s,
    env,
    log,
    hasReward ? { episodes: s.randomEpisodes, seed: s.seed + 99 } : undefined,
  );
  const { expert: expertReturn, random: randomReturn } = scoreRefs;
  const backend = await useBackend(parseBackendChoice(s.backend));
  log(backend.description);

  const spec: Spec = { ...demo.spec, source };
  const obsDim = spec.observation.names.length;
  const actDim = spec.action.names.length;
  const { low, high } = spec.action;
  if (!low.every(Number.isFinite) || !high.every(Number.isFinite))
    throw new GailBridgeError(
      'spec',
      `--algo dac: the action space of ${describeEnvTarget(target)} has infinite bounds ` +
        `(low [${low.join(', ')}], high [${high.join(', ')}]); TD3's actor needs finite ones (set ctrlrange in the MJCF)`,
    );
  const root = new Rng(s.seed);
  const policy = new GaussianPolicy(
    {
      obsDim,
      actDim,
      hiddenSizes: s.policyHidden,
      activation: 'relu',
      output: 'tanh',
      actionBounds: { low, high },
    },
    s.seed,
  );
  let td3: Td3Learner | undefined;
  let disc: Discriminator | undefined;
  try {
    // σ of the stored policy = the exploration noise (a stochastic `act` explores as training did).
    const halfRange = policy.bounds!.scale;
    policy.loadLogStd({
      'policy/logStd': {
        shape: [actDim],
        data: halfRange.map((h) => Math.log(Math.max(1e-6, s.explNoise * h))),
      },
    });
    td3 = new Td3Learner(policy, {
      criticHidden: s.criticHidden,
      gamma: s.gamma,
      tau: s.tau,
      targetNoise: s.targetNoise,
      targetNoiseClip: s.targetNoiseClip,
      policyDelay: s.policyDelay,
      actorLr: s.actorLr,
      criticLr: s.criticLr,
      seed: s.seed,
    });
    disc = new Discriminator(
      obsDim,
      actDim,
      s.absorbing,
      {
        hiddenSizes: s.discHidden,
        learningRate: s.discLr,
        gradientPenalty: s.gradPenalty,
        penaltyIgnoresIndicator: true,
      },
      root.fork(1),
    );
  } catch (err) {
    td3?.dispose();
    policy.dispose();
    throw err;
  }
  const learner = td3;
  const discriminator = disc;
  // One absorbing pair per terminated expert episode, as the replay buffer stores (DAC §4.2).
  const expert = trajectoryPairs(trajectories, {
    absorbing: s.absorbing,
    subsample: s.subsample,
    rng: root.fork(2),
  });
  discriminator.observe(expert.pairs);
  // Room for every step of the run and its absorbing transitions (one per terminated episode).
  const replay = new ReplayBuffer(obsDim, actDim, Math.ceil(s.steps * 1.2), {
    absorbing: s.absorbing,
    bounds: { low, high },
  });
  log(
    `demos: ${trajectories.length} trajectories, ${trajectories.reduce((a, t) => a + t.length, 0)} steps, ` +
      `${expert.pairs.n} pairs after subsampling` +
      (Number.isFinite(expertReturn)
        ? `; expert return ${expertReturn.toFixed(1)}, random ${randomReturn.toFixed(1)}`
        : ''),
  );

  return {
    name: 'dac',
    spec,
    seed: s.seed,
    policy,
    learner,
    rewardModel: {
      toArrays: () => ({ ...discriminator.toArrays('disc'), ...replay.toArrays('dac/replay') }),
      loadArrays: (arrays) => {
        discriminator.loadArrays(arrays, 'disc');
        replay.loadArrays(arrays, 'dac/replay');
      },
    },
    budget: { unit: 'env steps', total: s.steps },
    checkpointEvery: s.checkpointEvery,
    report: dacReportLayout(`DAC on ${s.task ?? s.model}`),
    backend: backend.name,
    startedWith: { demoSelection: selectionRecord(selection) },
    demoPairs: expert.pairs.n,
    trajectories: trajectories.length,
    scoreRefs,

    async train(start, hooks) {
      const evalEnvs: Env[] = [];
      const evaluatePolicy =
        hasReward && s.roundEvalEpisodes > 0
          ? () =>
              evaluate(
                evalEnvs,
                (o, n) => policy.act(o, n, 'deterministic').actions,
                s.roundEvalEpisodes,
                EVAL_SEED,
              ).returns
          : undefined;
      if (evaluatePolicy)
        evalEnvs.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(s.roundEvalEpisodes, 5) }, (_, i) => makeEnv(EVAL_SEED + i)),
          )),
        );
      try {
        await trainDac(
          {
            // Seeds move on with the round, so a resumed run does not replay the episodes it has seen.
            source: (explore) =>
              envSource(
                async () =>
                  envsAsBatch(
                    await Promise.all(Array.from({ length: s.numEnvs }, (_, i) => makeEnv(s.seed + 1 + i))),
                    s.seed + start.round,
                  ),
                explore,
              ),
            td3: learner,
            discriminator,
            expert: expert.pairs,
            replay,
            ...(evaluatePolicy ? { evaluate: evaluatePolicy } : {}),
          },
          {
            numSteps: s.numSteps,
            totalEnvSteps: s.steps,
            startSteps: s.startSteps,
            updatesPerStep: s.updatesPerStep,
            batchSize: s.batchSize,
            discBatchSize: s.discBatchSize,
            discEvery: s.discEvery,
            explNoise: s.explNoise,
            reward: s.reward,
            absorbing: s.absorbing,
            gamma: s.gamma,
            maxNonFiniteRounds: s.maxNonFiniteRounds,
            seed: s.seed,
            evalEvery: s.evalEvery,
            ...(Number.isFinite(expertReturn) ? { scoreRefs } : {}),
          },
          {
            start: { envSteps: start.envSteps, iteration: start.round },
            shouldStop: hooks.shouldStop,
            onIteration: (m) =>
              hooks.onRound({ round: m.iteration + 1, envSteps: m.envSteps }, metricsRow(m)),
          },
        );
      } finally {
        for (const e of evalEnvs) e.dispose();
      }
    },

    dispose() {
      learner.dispose();
      policy.dispose();
      discriminator.dispose();
    },
  };
}
