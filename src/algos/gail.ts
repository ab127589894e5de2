/**
 * GAIL under the run layer (src/run): the PPO or TRPO learner plus the discriminator as reward model,
 * driven by the GAIL round of src/gail/trainer.ts. This file only wires the real pieces — backend, demos,
 * env, policy, learner, discriminator, expert pairs — and hands each round's metrics to the run layer,
 * which owns the folder, checkpoints, report, stop and resume. AIRL (src/algos/airl.ts) is the same
 * wiring with another `Adversary`: its discriminator and the expert samples it trains on.
 */
import { loadRobotConfig, robotSpec } from '../config/robot.js';
import { envTargetOfSettings, makeEnvTarget, makeEnvTargetWorkers } from '../config/task.js';
import { chooseDemonstrations, selectionRecord } from '../core/demo-selection.js';
import { GailBridgeError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { assertSpecsMatch, type Spec } from '../core/spec.js';
import type { Trajectory } from '../core/trajectory.js';
import { readDemoFile } from '../data/demo-reader.js';
import type { TrainingMeta } from '../data/policy-file.js';
import { type RewardRecord, writeRewardFile } from '../data/reward-file.js';
import { type GailConfig, plannedRounds } from '../gail/config.js';
import { Discriminator } from '../gail/discriminator.js';
import { gailRewardRecord } from '../gail/learned-reward.js';
import { gailReportLayout } from '../gail/report.js';
import type { RewardKind } from '../gail/rewards.js';
import { type AdversarialRewardModel, trainGail } from '../gail/trainer.js';
import { parseBackendChoice, useBackend } from '../learn/backend.js';
import { pairsFromTrajectories, trainBc } from '../learn/bc.js';
import { evaluate, meanStd, uniformRandomAct } from '../learn/evaluate.js';
import { GaussianPolicy } from '../learn/gaussian-policy.js';
import type { NamedArrays } from '../learn/named-arrays.js';
import { PpoLearner } from '../learn/ppo.js';
import { TrpoLearner } from '../learn/trpo.js';
import type { Bus } from '../ros/bus.js';
import { createRclnodejsBus } from '../ros/rclnodejs-bus.js';
import { metricsRow, type TrainingAlgorithm } from '../run/algorithm.js';
import { runPath } from '../run/folder.js';
import type { Env } from '../sim/types.js';
import { type BatchEnv, envSource, envsAsBatch, SourceClock, vecEnvAsBatch } from '../streams/env-source.js';
import { type PairSet, trajectoryPairs } from '../streams/pairs.js';
import { RosBatchEnv } from '../streams/ros-source.js';

/**
 * One env of the run: the built-in task, or the generic env of `model` with the task config's options
 * (the root's x/y left out unless the config says otherwise). Errors of a task config name its file.
 */
export function makeGailEnv(
  config: Pick<GailConfig, 'task' | 'model' | 'taskConfig' | 'genericEnv'>,
  seed: number,
): Promise<Env> {
  return makeEnvTarget(envTargetOfSettings(config), { seed });
}

/** What an adversary is built from (the run's settings, dims, policy and demonstrations). */
export interface AdversaryContext {
  readonly config: GailConfig;
  readonly obsDim: number;
  readonly actDim: number;
  readonly policy: GaussianPolicy;
  readonly trajectories: readonly Trajectory[];
  /** Absorbing pairs pad terminated episodes to this horizon (pairs.ts); absent: one pair. */
  readonly absorbingHorizon: number | undefined;
  /** The run's root generator: fork(1) builds the model, fork(2) subsamples the expert (as GAIL always has). */
  readonly root: Rng;
}

/** A reward model the run layer can checkpoint. */
export type CheckpointedRewardModel = AdversarialRewardModel & {
  toArrays(prefix: string): NamedArrays;
  loadArrays(arrays: NamedArrays, prefix: string): void;
  dispose(): void;
};

/** A built adversary: the reward model the round trains, its expert samples and its reward kind. */
export interface BuiltAdversary {
  readonly model: CheckpointedRewardModel;
  /** Expert samples, wrapped like the policy's: (s, a) pairs for GAIL, (s, a, s′) for AIRL. */
  readonly expert: PairSet;
  /** How logits become the policy's reward. */
  readonly reward: RewardKind;
  /** The learned reward as a reward file record (data/reward-file.ts), for `expert --reward`. */
  rewardRecord(spec: Spec, training: TrainingMeta): RewardRecord;
}

/** What differs between GAIL and its relatives under the same wiring. */
export interface Adversary {
  /** "gail" or "airl": the run's name is `${name}-${policyOpt}`. */
  readonly name: string;
  /** In the report's title: "GAIL", "AIRL". */
  readonly title: string;
  build(ctx: AdversaryContext): BuiltAdversary;
}

/**
 * The expert side of an adversary, wrapped as the policy's samples are: one pair in `subsample` (offsets
 * from the root's fork(2)), absorbing pairs after terminated episodes; with `next`, each pair carries s′
 * (AIRL's transitions).
 */
export function expertSamples(
  { config, trajectories, absorbingHorizon, root }: AdversaryContext,
  next = false,
): PairSet {
  return trajectoryPairs(trajectories, {
    absorbing: config.absorbing,
    subsample: config.subsample,
    rng: root.fork(2),
    next,
    ...(absorbingHorizon !== undefined ? { absorbingHorizon } : {}),
  }).pairs;
}

/** GAIL's adversary: D(s, a) on (s, a) pairs (src/gail/discriminator.ts). */
export const GAIL_ADVERSARY: Adversary = {
  name: 'gail',
  title: 'GAIL',
  build(ctx) {
    const { config, obsDim, actDim, root } = ctx;
    const disc = new Discriminator(
      obsDim,
      actDim,
      config.absorbing,
      {
        hiddenSizes: config.discHidden,
        learningRate: config.discLr,
        gradientPenalty: config.gradPenalty,
        spectralNorm: config.spectralNorm,
        labelSmoothing: config.labelSmoothing,
        weightDecay: config.weightDecay,
      },
      root.fork(1),
    );
    return {
      model: disc,
      expert: expertSamples(ctx),
      reward: config.reward,
      rewardRecord: (spec, training) => gailRewardRecord(disc, spec, config.reward, config.gamma, training),
    };
  },
};

/** How an adversarial run is fed (tests: an in-process ROS node, a seeded batch env) and hooked. */
export interface AdversarialOptions {
  readonly log?: (line: string) => void;
  /**
   * With `config.ros`: the bus to collect on (tests pass an in-process node); default a new rclnodejs
   * node `gail_bridge_train`, disposed when the run ends.
   */
  readonly rosBus?: () => Promise<Bus>;
  /**
   * Where the rollouts come from, replacing the in-process envs and `config.ros` (tests compare the
   * ROS 2 path with an in-process env seeded as the simulator node seeds its episodes).
   */
  readonly batchEnv?: (round: number) => Promise<BatchEnv>;
  /**
   * The run folder: the learned reward is written there as reward.reward (RUN_FILES.reward) every
   * `checkpointEvery` rounds and when training ends or stops; absent: no reward file.
   */
  readonly dir?: string;
  /**
   * Worker threads that step the in-process envs (sim/vec-env.ts); 0 (default) steps them in the
   * training thread. Not a setting: the episodes, and so the run, are the same either way
   * (env-source.ts `vecEnvAsBatch`), so a run may be resumed with another number. Ignored over ROS 2.
   */
  readonly workers?: number;
}

/** GAIL as the run layer sees it, and what the command reports about its setup. */
export interface GailAlgorithm extends TrainingAlgorithm {
  readonly backend: string;
  /** Expert pairs the discriminator is given (absorbing pairs included) and trajectories used. */
  readonly demoPairs: number;
  readonly trajectories: number;
}

/**
 * Builds GAIL for `config`: selects the backend, reads and checks the demos against the env, measures
 * the random baseline for the normalised score, and makes the policy, learner and discriminator.
 */
export async function gailAlgorithm(
  config: GailConfig,
  options: AdversarialOptions = {},
): Promise<GailAlgorithm> {
  return adversarialAlgorithm(config, GAIL_ADVERSARY, options);
}

/** GAIL's wiring with `adversary` as the reward model (GAIL_ADVERSARY, or AIRL's). */
export async function adversarialAlgorithm(
  config: GailConfig,
  adversary: Adversary,
  options: AdversarialOptions = {},
): Promise<GailAlgorithm> {
  const log = options.log ?? (() => {});
  const workers = options.workers ?? 0;
  if (!Number.isInteger(workers) || workers < 0)
    throw new GailBridgeError('usage', `--workers: expected an integer ≥ 0, got ${workers}`);
  const backend = await useBackend(parseBackendChoice(config.backend));
  log(backend.description);

  // Demonstrations, and the env they must match.
  const demo = await readDemoFile(config.demos);
  const selection = chooseDemonstrations(demo.episodes, config, log);
  const trajectories = selection.used.map((e) => e.trajectory);
  // With ROS 2 the envs are robots or simulator nodes mapped by a robot config: the demonstrations must
  // match it; a --task (optional then) is the task the simulators serve.
  const robot = config.ros ? loadRobotConfig(config.ros.config) : undefined;
  if (robot && config.ros)
    assertSpecsMatch(
      `${config.demos} vs robot config ${config.ros.config}`,
      robotSpec(robot, config.ros.config),
      demo.spec,
    );
  const probe =
    robot === undefined || config.task !== undefined ? await makeGailEnv(config, config.seed) : undefined;
  // The policy records the env it was trained on (a generic robot's model and task config, or the robot
  // config over ROS 2), not the demos'.
  const policySource = robot && config.ros ? robotSpec(robot, config.ros.config).source : probe!.spec.source;
  let expertReturn = Number.NaN;
  let random = Number.NaN;
  try {
    if (probe)
      assertSpecsMatch(`${config.demos} vs the ${config.task ?? config.model} env`, probe.spec, demo.spec);
    const returns = trajectories.flatMap((t) => (t.rewards ? [t.rewards.reduce((a, b) => a + b, 0)] : []));
    if (probe && returns.length > 0 && config.task !== undefined) {
      expertReturn = returns.reduce((a, b) => a + b, 0) / returns.length;
      const baseline = evaluate(
        [probe],
        uniformRandomAct(probe, config.seed + 99),
        config.randomEpisodes,
        config.seed + 99,
      );
      random = meanStd([...baseline.returns]).mean;
    }
  } finally {
    probe?.dispose();
  }
  log(
    `demos: ${trajectories.length} trajectories, ${trajectories.reduce((a, t) => a + t.length, 0)} steps` +
      (Number.isFinite(expertReturn)
        ? `; expert return ${expertReturn.toFixed(1)}, random ${random.toFixed(1)}`
        : ''),
  );

  // Policy, learner, discriminator, expert pairs.
  const spec = { ...demo.spec, source: policySource };
  const obsDim = spec.observation.names.length;
  const actDim = spec.action.names.length;
  const root = new Rng(config.seed);
  const policy = new GaussianPolicy({ obsDim, actDim, hiddenSizes: config.policyHidden }, config.seed);
  const learner =
    config.policyOpt === 'ppo'
      ? new PpoLearner(policy, {
          gamma: config.gamma,
          entCoef: config.entCoef,
          learningRate: config.policyLr,
          numMinibatches: config.policyMinibatches,
          totalUpdates: plannedRounds(config),
          valueHiddenSizes: config.policyHidden,
          seed: config.seed,
        })
      : new TrpoLearner(policy, {
          gamma: config.gamma,
          entCoef: config.entCoef,
          valueHiddenSizes: config.policyHidden,
          seed: config.seed,
        });
  // Padding terminated episodes to the horizon needs the task's horizon; a robot has none.
  const absorbingHorizon = config.absorbing && config.absorbingFill ? probe?.spec.horizon : undefined;
  if (config.absorbing && config.absorbingFill && absorbingHorizon === undefined)
    log(
      'absorbing states: no task horizon over ROS 2 without --task; one absorbing pair per terminated episode',
    );
  const built = adversary.build({ config, obsDim, actDim, policy, trajectories, absorbingHorizon, root });
  const disc = built.model;
  const expert = { pairs: built.expert };
  /** reward.reward in the run folder, through the one atomic writer (reward-file.ts). */
  const writeReward = (progress: { readonly round: number; readonly envSteps: number }): void => {
    if (options.dir === undefined) return;
    writeRewardFile(
      runPath(options.dir, 'reward'),
      built.rewardRecord(spec, {
        algo: `${adversary.name}-${config.policyOpt}`,
        envSteps: progress.envSteps,
        seed: config.seed,
        date: new Date().toISOString(),
        extra: {
          task: config.task ?? config.model ?? robot?.name ?? '',
          rounds: String(progress.round),
          demos: config.demos,
        },
      }),
    );
  };
  // The discriminator's input statistics start from the expert pairs (a resume restores its own).
  disc.observe(expert.pairs);

  return {
    name: `${adversary.name}-${config.policyOpt}`,
    spec,
    seed: config.seed,
    policy,
    learner,
    valueHidden: config.policyHidden,
    rewardModel: {
      toArrays: () => disc.toArrays('disc'),
      loadArrays: (arrays) => disc.loadArrays(arrays, 'disc'),
    },
    budget: { unit: 'env steps', total: config.steps },
    checkpointEvery: config.checkpointEvery,
    report: gailReportLayout(
      `${adversary.title} on ${config.task ?? config.model ?? robot?.name}${config.ros ? ` over ROS 2 (${config.ros.timing})` : ''}`,
    ),
    backend: backend.name,
    startedWith: { demoSelection: selectionRecord(selection) },
    demoPairs: expert.pairs.n,
    trajectories: trajectories.length,

    async train(start, hooks) {
      if (start.round === 0 && config.bcEpochs > 0) {
        const bc = trainBc(policy, pairsFromTrajectories(trajectories), {
          maxEpochs: config.bcEpochs,
          seed: config.seed,
        });
        log(`BC warm start: ${bc.epochs} epochs, validation loss ${bc.bestValidationLoss.toFixed(4)}`);
      }
      // Seeds move on with the round, so a resumed run does not replay the episodes it has seen.
      const ros = config.ros;
      let last = { round: start.round, envSteps: start.envSteps };
      let bus: Bus | undefined;
      let rosEnv: RosBatchEnv | undefined;
      const clock = new SourceClock();
      const source = envSource(
        async (): Promise<BatchEnv> => {
          if (options.batchEnv) return options.batchEnv(start.round);
          if ((!ros || !robot) && workers > 0)
            return vecEnvAsBatch(
              await makeEnvTargetWorkers(envTargetOfSettings(config), { numEnvs: config.numEnvs, workers }),
              config.seed + start.round,
            );
          if (!ros || !robot)
            return envsAsBatch(
              await Promise.all(
                Array.from({ length: config.numEnvs }, (_, i) => makeGailEnv(config, config.seed + 1 + i)),
              ),
              config.seed + start.round,
            );
          bus = await (options.rosBus ?? (() => createRclnodejsBus('gail_bridge_train')))();
          const env = new RosBatchEnv({
            bus,
            config: robot,
            namespaces: ros.namespaces,
            timing: ros.timing,
            simNode: ros.simNode,
            ...(ros.eventsTopic === undefined ? {} : { eventsTopic: ros.eventsTopic }),
            log,
          });
          rosEnv = env;
          log(
            `ros: collecting from ${ros.namespaces.map((n) => (n === '' ? robot.name : `/${n}`)).join(', ')} (${ros.timing})`,
          );
          return env;
        },
        policy,
        { clock },
      );
      try {
        await trainGail(
          { source, learner, discriminator: disc, expert: expert.pairs },
          {
            numSteps: config.numSteps,
            totalEnvSteps: config.steps,
            absorbing: config.absorbing,
            ...(absorbingHorizon !== undefined ? { absorbingHorizon } : {}),
            discStepsPerRound: config.discStepsPerRound,
            discBatchSize: config.discBatchSize,
            reward: built.reward,
            gamma: config.gamma,
            maxNonFiniteRounds: config.maxNonFiniteRounds,
            seed: config.seed + start.round,
            ...(Number.isFinite(expertReturn) ? { scoreRefs: { random, expert: expertReturn } } : {}),
          },
          {
            start: { envSteps: start.envSteps, iteration: start.round },
            shouldStop: hooks.shouldStop,
            beforeUpdate: () => rosEnv?.holdSafe(),
            // The source's clock splits the collection time: env stepping (or waiting for the workers)
            // and the policy's actions; the rest of collectSeconds is the stream and the collector.
            onIteration: (m) => {
              const { actSeconds, envSeconds } = clock.take();
              const progress = { round: m.iteration + 1, envSteps: m.envSteps };
              hooks.onRound(progress, { ...metricsRow(m), envStepSeconds: envSeconds, actSeconds, workers });
              if (progress.round % config.checkpointEvery === 0) writeReward(progress);
              last = progress;
            },
          },
        );
        writeReward(last);
      } finally {
        bus?.dispose();
      }
    },

    dispose() {
      learner.dispose();
      policy.dispose();
      disc.dispose();
    },
  };
}
