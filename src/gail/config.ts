/**
 * The `train --algo gail` configuration: one record, every field documented with its unit and default,
 * validated and resolved in one place (`resolveGailConfig`, which never mutates its input). Written to
 * the run folder's config.json as resolved ("settings"), and read back and validated again by `--resume`.
 * The run folder itself is not a setting: a run copied or moved elsewhere resumes where it is.
 */
import { GailBridgeError } from '../core/errors.js';
import type { GenericEnvOptions } from '../sim/generic.js';
import { parseRewardKind, type RewardKind } from './rewards.js';

/** Policy optimisers GAIL can drive (STYLE 2: both behind `PolicyLearner`). */
export const POLICY_OPTS = {
  ppo: 'Proximal Policy Optimization (default)',
  trpo: 'Trust Region Policy Optimization, as in the GAIL paper',
} as const;
export type PolicyOpt = keyof typeof POLICY_OPTS;

/** Rollouts from ROS 2 (train --ros): where the envs are and how they advance. */
export interface RosRollouts {
  /** Robot mapping config (config/robots/*.yaml) every env shares; read when the run starts. */
  readonly config: string;
  /** One env per namespace; [''] for one robot whose topics are the config's as they are. */
  readonly namespaces: readonly string[];
  /** lockstep (simulator nodes: one env step per command) or realtime (robots: the control rate). */
  readonly timing: 'lockstep' | 'realtime';
  /** Lock-step: the simulator node's name under each namespace; default gail_bridge_sim. */
  readonly simNode: string;
  /** Real time: the EpisodeEvent topic (under each namespace) that opens and ends episodes. */
  readonly eventsTopic?: string;
}

export interface GailConfig {
  /**
   * Built-in task name (e.g. "inverted-pendulum"); exactly one of task and model, except with `ros`, where
   * it is optional: the task the simulators serve (its horizon, the score's random baseline and the final
   * evaluation in-process).
   */
  readonly task: string | undefined;
  /** Path of an MJCF robot to train on from its demonstrations (generic env, no reward). */
  readonly model: string | undefined;
  /** Task config YAML (config/tasks/*.yaml) that `model` and `genericEnv` came from; generic env only. */
  readonly taskConfig: string | undefined;
  /**
   * Options of the generic env (frame skip, horizon, termination rules…), read from `taskConfig` once when
   * the run starts and stored here, so --resume does not depend on the YAML file. Undefined: the generic
   * defaults. Either way `excludeRootXY` defaults to true.
   */
  readonly genericEnv: GenericEnvOptions | undefined;
  /** Demo file (MCAP) with the expert's trajectories. */
  readonly demos: string;
  /** Collect from ROS 2 topics instead of the in-process simulator; undefined: in-process. */
  readonly ros: RosRollouts | undefined;
  /** Use only the first N demo trajectories; undefined: all. */
  readonly demoTrajectories: number | undefined;
  /** Choose from these episode indices of the demo file, in order (`--episodes`); undefined: all. */
  readonly demoEpisodes: readonly number[] | undefined;
  /**
   * Leave out episodes that look like failures of the demonstrator (core/demo-selection.ts: terminated
   * with a return under half the file's median); default false (they are used, and reported).
   */
  readonly excludeFailures: boolean;
  /** Leave out episodes whose recorded return is below this (`--min-return`); undefined: none. */
  readonly minReturn: number | undefined;
  readonly policyOpt: PolicyOpt;
  /** Env steps to train for (all envs together); default 200 000. */
  readonly steps: number;
  /** Envs stepped side by side; default 4. */
  readonly numEnvs: number;
  /** Steps per env per round (T); default 512, so one round is T·N = 2048 env steps. */
  readonly numSteps: number;
  readonly seed: number;
  /** TensorFlow.js backend: auto | tensorflow | wasm | cpu. */
  readonly backend: string;
  /** Hidden widths of the policy (and value) network; default [64, 64]. */
  readonly policyHidden: readonly number[];
  /** Discount γ; default 0.99. */
  readonly gamma: number;
  /** Entropy bonus coefficient of the policy step; default 0. */
  readonly entCoef: number;
  /** Policy (PPO) Adam learning rate; default 3e-4. */
  readonly policyLr: number;
  /** PPO minibatches per epoch; default 32 (so 64-sample minibatches at the default 2048 per round). */
  readonly policyMinibatches: number;
  /** Behavioural-cloning warm start: at most this many epochs before GAIL; 0 (default) is off. */
  readonly bcEpochs: number;
  /** Reward from the discriminator: gail (default), logD, logit. */
  readonly reward: RewardKind;
  /** Absorbing states on terminated episodes (DAC); default true. */
  readonly absorbing: boolean;
  /** Pad terminated episodes with absorbing pairs up to the horizon (pairs.ts); default true. */
  readonly absorbingFill: boolean;
  /** Discriminator hidden widths; default [100, 100] (paper). */
  readonly discHidden: readonly number[];
  /** Discriminator Adam steps per round (`discStepsPerRound`); default 16. */
  readonly discStepsPerRound: number;
  /** Pairs per side in a discriminator step; default 128. */
  readonly discBatchSize: number;
  /** Discriminator Adam learning rate; default 1e-3 (the one default: the Discriminator class uses it too). */
  readonly discLr: number;
  /** WGAN-GP coefficient; 0 (default) is off, 10 the literature's value (the preset of Walker2d, HalfCheetah and Ant). */
  readonly gradPenalty: number;
  /** Spectral normalisation of the discriminator; default false. */
  readonly spectralNorm: boolean;
  /** One-sided label smoothing ε (expert target 1 − ε); default 0. */
  readonly labelSmoothing: number;
  /** L2 weight decay of the discriminator; default 0. */
  readonly weightDecay: number;
  /** Keep one expert pair in K (paper: 20); default 1. */
  readonly subsample: number;
  /** Rounds between checkpoints (a checkpoint is also written at the end and on Ctrl-C); default 5. */
  readonly checkpointEvery: number;
  /** Consecutive non-finite rounds before aborting; default 5. */
  readonly maxNonFiniteRounds: number;
  /** Episodes of a uniform random policy that set the score's zero; default 10. */
  readonly randomEpisodes: number;
}

export const GAIL_DEFAULTS: Omit<
  GailConfig,
  'task' | 'model' | 'taskConfig' | 'genericEnv' | 'demos' | 'ros'
> = Object.freeze({
  demoTrajectories: undefined,
  demoEpisodes: undefined,
  excludeFailures: false,
  minReturn: undefined,
  policyOpt: 'ppo',
  steps: 200_000,
  numEnvs: 4,
  numSteps: 512,
  seed: 0,
  backend: 'auto',
  policyHidden: [64, 64],
  gamma: 0.99,
  entCoef: 0,
  policyLr: 3e-4,
  policyMinibatches: 32,
  bcEpochs: 0,
  reward: 'gail',
  absorbing: true,
  absorbingFill: true,
  discHidden: [100, 100],
  discStepsPerRound: 16,
  discBatchSize: 128,
  discLr: 1e-3,
  gradPenalty: 0,
  spectralNorm: false,
  labelSmoothing: 0,
  weightDecay: 0,
  subsample: 1,
  checkpointEvery: 5,
  maxNonFiniteRounds: 5,
  randomEpisodes: 10,
});

const GAIL_FIELDS: ReadonlySet<string> = new Set([
  'task',
  'model',
  'taskConfig',
  'genericEnv',
  'demos',
  'ros',
  ...Object.keys(GAIL_DEFAULTS),
]);

/**
 * Fills defaults and validates; every error names the option and what it accepts. An unknown field (a
 * config.json from another version, a typo) is refused by name.
 */
export function resolveGailConfig(partial: Partial<GailConfig> & Pick<GailConfig, 'demos'>): GailConfig {
  const unknown = Object.keys(partial).filter((k) => !GAIL_FIELDS.has(k));
  if (unknown.length > 0)
    throw new GailBridgeError(
      'config',
      `GAIL settings: unknown ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${[...GAIL_FIELDS].join(', ')})`,
    );
  // An undefined field takes its default (the command line's "not given").
  const given = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  let c: GailConfig = {
    task: undefined,
    model: undefined,
    taskConfig: undefined,
    genericEnv: undefined,
    ros: undefined,
    ...GAIL_DEFAULTS,
    ...given,
    demos: partial.demos,
  };
  const bad = (flag: string, value: unknown, want: string) =>
    new GailBridgeError('usage', `${flag}: expected ${want}, got ${String(value)}`);
  if (c.ros !== undefined) {
    const ns = c.ros.namespaces;
    if (c.model !== undefined || c.taskConfig !== undefined)
      throw new GailBridgeError(
        'usage',
        '--ros collects from ROS 2 topics; --model/--task-config describe an in-process simulation: give one or the other',
      );
    if (!Array.isArray(ns) || ns.length === 0 || new Set(ns).size !== ns.length)
      throw bad('--namespaces', ns, 'distinct namespaces, comma-separated');
    if (partial.numEnvs !== undefined && partial.numEnvs !== ns.length)
      throw new GailBridgeError(
        'usage',
        `--num-envs ${partial.numEnvs} with --ros: one env per namespace (${ns.length}); leave --num-envs out`,
      );
    c = { ...c, numEnvs: ns.length };
  }
  if (c.task !== undefined && (c.taskConfig !== undefined || c.genericEnv !== undefined))
    throw new GailBridgeError(
      'usage',
      '--task-config: describes a generic MJCF task; use it with --model or alone, not with --task',
    );
  if (c.ros === undefined && (c.task === undefined) === (c.model === undefined))
    throw new GailBridgeError(
      'usage',
      '--task or --model: give exactly one (a built-in task, or an MJCF robot)',
    );
  if (!Object.hasOwn(POLICY_OPTS, c.policyOpt)) throw bad('--policy-opt', c.policyOpt, 'ppo or trpo');
  parseRewardKind(c.reward);
  const posInt = [
    ['--steps', c.steps],
    ['--num-envs', c.numEnvs],
    ['--num-steps', c.numSteps],
    ['--minibatches', c.policyMinibatches],
    ['--disc-steps', c.discStepsPerRound],
    ['--disc-batch', c.discBatchSize],
    ['--subsample', c.subsample],
    ['--checkpoint-every', c.checkpointEvery],
    ['--max-nonfinite', c.maxNonFiniteRounds],
    ['--random-episodes', c.randomEpisodes],
  ] as const;
  for (const [flag, v] of posInt)
    if (!Number.isInteger(v) || v <= 0) throw bad(flag, v, 'a positive integer');
  if (c.demoTrajectories !== undefined && !(Number.isInteger(c.demoTrajectories) && c.demoTrajectories > 0))
    throw bad('--demo-trajectories', c.demoTrajectories, 'a positive integer');
  if (
    c.demoEpisodes !== undefined &&
    (c.demoEpisodes.length === 0 || !c.demoEpisodes.every((i) => Number.isInteger(i) && i >= 0))
  )
    throw bad('--episodes', c.demoEpisodes.join(','), 'comma-separated episode indices ≥ 0');
  if (c.minReturn !== undefined && !Number.isFinite(c.minReturn))
    throw bad('--min-return', c.minReturn, 'a finite number');
  if (!Number.isInteger(c.bcEpochs) || c.bcEpochs < 0) throw bad('--bc-epochs', c.bcEpochs, 'an integer ≥ 0');
  if (!(c.gamma >= 0 && c.gamma < 1)) throw bad('--gamma', c.gamma, 'a number in [0, 1)');
  for (const [flag, v] of [
    ['--ent-coef', c.entCoef],
    ['--grad-penalty', c.gradPenalty],
    ['--weight-decay', c.weightDecay],
  ] as const)
    if (!(v >= 0)) throw bad(flag, v, 'a number ≥ 0');
  for (const [flag, v] of [
    ['--policy-lr', c.policyLr],
    ['--disc-lr', c.discLr],
  ] as const)
    if (!(v > 0)) throw bad(flag, v, 'a positive number');
  if (!(c.labelSmoothing >= 0 && c.labelSmoothing <= 0.5))
    throw bad('--label-smoothing', c.labelSmoothing, 'a number in [0, 0.5]');
  for (const [flag, sizes] of [
    ['--policy-hidden', c.policyHidden],
    ['--disc-hidden', c.discHidden],
  ] as const)
    if (!sizes.every((h) => Number.isInteger(h) && h > 0))
      throw bad(flag, sizes.join(','), 'comma-separated positive integers');
  return Object.freeze({
    ...c,
    policyHidden: [...c.policyHidden],
    discHidden: [...c.discHidden],
    ...(c.demoEpisodes !== undefined ? { demoEpisodes: [...c.demoEpisodes] } : {}),
  });
}

/**
 * GAIL settings a built-in task takes unless the command line sets them, each with the measurement that
 * chose it. A preset fills only fields left undefined (a typed flag wins, `--grad-penalty 0` included)
 * and only when a run starts: a resumed run keeps its config.json, so presets added later never change
 * it. AIRL and DAC take none (AIRL has no penalty; DAC's is always on).
 */
export interface GailTaskPreset {
  readonly settings: Readonly<Pick<Partial<GailConfig>, 'gradPenalty'>>;
  /** Why, with where it was measured; printed when a run takes the preset. */
  readonly why: string;
}

export const GAIL_TASK_PRESETS: Readonly<Record<string, GailTaskPreset>> = Object.freeze({
  // Without the penalty D tells the sides apart ≥ 98% of the time from ~700k steps, its reward decays
  // to noise and the walker falls (seed 7: 0.72; with it 0.97; docs/training.md, "When the discriminator
  // wins"). 5 seeds with it: 0.985 ± 0.005 (bench/results/gail-walker2d-4traj-gp10.json).
  walker2d: {
    settings: { gradPenalty: 10 },
    why: 'without it the discriminator wins outright and the walker collapses (docs/training.md)',
  },
  // Without the penalty D tells the sides apart ≥ 99% of the time from the first rounds, its reward is
  // ~0.005 a step, and one seed of five stalled at 0.67 (bench/results/gail-hopper-half-cheetah-4traj-5seeds.json);
  // with it 5 seeds 0.986 ± 0.018, none below 0.956 (bench/results/gail-half-cheetah-4traj-gp10.json).
  // HalfCheetah never ends an episode, so the
  // penalty's pull on the absorbing state (docs/training.md) does not arise.
  'half-cheetah': {
    settings: { gradPenalty: 10 },
    why: 'without it the discriminator wins outright and a run can stall (docs/training.md)',
  },
  // Without the penalty the policy learns to fall: the expert's fall (its episode 2) makes absorbing
  // pairs expert-like to an unconstrained D (docs/absorbing-states.md, Ant).
  ant: {
    settings: { gradPenalty: 10 },
    why: 'without it the policy learns to fall (docs/absorbing-states.md)',
  },
});

/** The flag of each preset field, for messages. */
const PRESET_FLAGS: Readonly<Record<keyof GailTaskPreset['settings'], string>> = {
  gradPenalty: '--grad-penalty',
};

/**
 * `partial` with its task's preset (GAIL_TASK_PRESETS) in the fields it leaves undefined, and the
 * preset's fields that were taken ("--grad-penalty 10"), for the run's log.
 */
export function withGailTaskPreset<T extends Partial<GailConfig>>(
  partial: T,
): {
  readonly settings: T & GailTaskPreset['settings'];
  readonly applied: readonly string[];
  readonly why: string;
} {
  const preset = partial.task === undefined ? undefined : GAIL_TASK_PRESETS[partial.task];
  if (preset === undefined) return { settings: partial, applied: [], why: '' };
  const taken: Record<string, unknown> = {};
  const applied: string[] = [];
  for (const [k, v] of Object.entries(preset.settings) as [keyof GailTaskPreset['settings'], number][]) {
    if (partial[k] !== undefined) continue;
    taken[k] = v;
    applied.push(`${PRESET_FLAGS[k]} ${v}`);
  }
  return { settings: { ...partial, ...taken }, applied, why: preset.why };
}

/** Rounds the run will take: ceil(steps / (numSteps · numEnvs)). */
export function plannedRounds(c: GailConfig): number {
  return Math.ceil(c.steps / (c.numSteps * c.numEnvs));
}
