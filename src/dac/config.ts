/**
 * The `train --algo dac` settings: one record, every field documented with its unit and default,
 * validated and resolved in one place (`resolveDacSettings`, which never mutates its input), written to
 * config.json as resolved and validated again by `--resume`. Kept apart from the algorithm so the command
 * line can show the defaults without loading TensorFlow.js.
 *
 * The defaults are the papers' (Kostrikov et al. 2019 §5 and Appendix; Fujimoto et al. 2018 §6.1) except
 * the network widths and the minibatch, sized for the wasm backend (docs/dac.md has the measurements).
 */
import type { DemoChoiceSettings } from '../core/demo-selection.js';
import { GailBridgeError } from '../core/errors.js';
import { parseRewardKind, type RewardKind } from '../gail/rewards.js';
import type { GenericEnvOptions } from '../sim/generic.js';

/** The `train --algo dac` settings, as config.json stores them. */
export interface DacSettings extends DemoChoiceSettings {
  /** Built-in task to train and evaluate on; or `model`. */
  readonly task: string | undefined;
  /** An MJCF robot instead (a generic task: no reward, so no evaluation). */
  readonly model: string | undefined;
  readonly taskConfig: string | undefined;
  readonly genericEnv: GenericEnvOptions | undefined;
  /** Keep one demonstration pair in K (the DAC paper, like GAIL's: 20); default 1. */
  readonly subsample: number;
  /** Env steps to train for, all envs together; default 300 000. */
  readonly steps: number;
  /** Envs stepped side by side; default 1 (the paper's). */
  readonly numEnvs: number;
  /** Steps per env per round: a round collects them, then runs as many updates; default 1000. */
  readonly numSteps: number;
  /** Env steps of uniform random actions before the first update; default 1000. */
  readonly startSteps: number;
  /** TD3 updates per env step; default 1 (the paper's). */
  readonly updatesPerStep: number;
  /** Transitions per TD3 minibatch; default 100 (TD3 paper). */
  readonly batchSize: number;
  /** Hidden widths of the actor (relu, tanh output); default [64, 64]. */
  readonly policyHidden: readonly number[];
  /** Hidden widths of each of the two critics (relu); default [64, 64]. */
  readonly criticHidden: readonly number[];
  /** Actor Adam step size; default 1e-3 (TD3 paper). */
  readonly actorLr: number;
  /** Critic Adam step size; default 1e-3 (TD3 paper). */
  readonly criticLr: number;
  /** Discount γ; default 0.99. */
  readonly gamma: number;
  /** Polyak coefficient τ of the target networks; default 0.005. */
  readonly tau: number;
  /** Exploration noise σ as a fraction of each action's half-range; default 0.1. */
  readonly explNoise: number;
  /** Target policy smoothing noise σ̃ (normalised action units); default 0.2. */
  readonly targetNoise: number;
  /** The smoothing noise is clipped to ±this; default 0.5. */
  readonly targetNoiseClip: number;
  /** Critic updates per actor and target update; default 2. */
  readonly policyDelay: number;
  /** Reward from D: logit (log D − log(1 − D), the DAC paper's; default), gail, logD. */
  readonly reward: RewardKind;
  /** Absorbing states on terminated episodes; default true. */
  readonly absorbing: boolean;
  /** Discriminator hidden widths (tanh); default [100, 100]. */
  readonly discHidden: readonly number[];
  /** Pairs per side in one discriminator step; default 100. */
  readonly discBatchSize: number;
  /** One discriminator step every this many TD3 updates; default 1. */
  readonly discEvery: number;
  /** Discriminator Adam step size; default 1e-3. */
  readonly discLr: number;
  /** WGAN-GP coefficient λ; default 10 (the DAC paper's). */
  readonly gradPenalty: number;
  /** Rounds between deterministic evaluations (0: none); default 5. */
  readonly evalEvery: number;
  /** Episodes of each of those evaluations; default 5. */
  readonly roundEvalEpisodes: number;
  readonly seed: number;
  /** TensorFlow.js backend: auto | tensorflow | wasm | cpu. */
  readonly backend: string;
  /** Rounds between checkpoints (they hold the replay buffer); default 10. */
  readonly checkpointEvery: number;
  /** Consecutive rounds with only non-finite updates before the run aborts; default 5. */
  readonly maxNonFiniteRounds: number;
  /** Episodes of a uniform random policy that set the score's zero; default 10. */
  readonly randomEpisodes: number;
}

export const DAC_DEFAULTS: Omit<DacSettings, 'task' | 'model' | 'taskConfig' | 'genericEnv' | 'demos'> =
  Object.freeze({
    demoTrajectories: undefined,
    demoEpisodes: undefined,
    excludeFailures: false,
    minReturn: undefined,
    subsample: 1,
    steps: 300_000,
    numEnvs: 1,
    numSteps: 1000,
    startSteps: 1000,
    updatesPerStep: 1,
    batchSize: 100,
    policyHidden: [64, 64],
    criticHidden: [64, 64],
    actorLr: 1e-3,
    criticLr: 1e-3,
    gamma: 0.99,
    tau: 0.005,
    explNoise: 0.1,
    targetNoise: 0.2,
    targetNoiseClip: 0.5,
    policyDelay: 2,
    reward: 'logit',
    absorbing: true,
    discHidden: [100, 100],
    discBatchSize: 100,
    discEvery: 1,
    discLr: 1e-3,
    gradPenalty: 10,
    evalEvery: 5,
    roundEvalEpisodes: 5,
    seed: 0,
    backend: 'auto',
    checkpointEvery: 10,
    maxNonFiniteRounds: 5,
    randomEpisodes: 10,
  });

const DAC_FIELDS: ReadonlySet<string> = new Set([
  'task',
  'model',
  'taskConfig',
  'genericEnv',
  'demos',
  ...Object.keys(DAC_DEFAULTS),
]);

/** Fills defaults and validates; every error names the flag and what it accepts. Never mutates `partial`. */
export function resolveDacSettings(partial: Partial<DacSettings> & Pick<DacSettings, 'demos'>): DacSettings {
  const unknown = Object.keys(partial).filter((k) => !DAC_FIELDS.has(k));
  if (unknown.length > 0)
    throw new GailBridgeError(
      'config',
      `DAC settings: unknown ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${[...DAC_FIELDS].join(', ')})`,
    );
  if ((partial.task === undefined) === (partial.model === undefined))
    throw new GailBridgeError(
      'usage',
      '--algo dac: --task <name> is required (the task to train and evaluate on), ' +
        'or --model robot.xml / --task-config task.yaml for an MJCF robot',
    );
  if (partial.task !== undefined && (partial.taskConfig !== undefined || partial.genericEnv !== undefined))
    throw new GailBridgeError(
      'usage',
      '--task-config: describes a generic MJCF task; use it with --model or alone, not with --task',
    );
  const given = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const c: DacSettings = {
    task: undefined,
    model: undefined,
    taskConfig: undefined,
    genericEnv: undefined,
    ...DAC_DEFAULTS,
    ...given,
    demos: partial.demos,
  };
  const bad = (flag: string, value: unknown, want: string) =>
    new GailBridgeError('config', `${flag}: expected ${want}, got ${String(value)}`);
  parseRewardKind(c.reward);
  for (const [flag, v] of [
    ['--steps', c.steps],
    ['--num-envs', c.numEnvs],
    ['--num-steps', c.numSteps],
    ['--batch-size', c.batchSize],
    ['--disc-batch', c.discBatchSize],
    ['--disc-every', c.discEvery],
    ['--policy-delay', c.policyDelay],
    ['--subsample', c.subsample],
    ['--checkpoint-every', c.checkpointEvery],
    ['--max-nonfinite', c.maxNonFiniteRounds],
    ['--random-episodes', c.randomEpisodes],
  ] as const)
    if (!Number.isInteger(v) || v <= 0) throw bad(flag, v, 'a positive integer');
  for (const [flag, v] of [
    ['--start-steps', c.startSteps],
    ['--eval-every', c.evalEvery],
    ['--round-eval-episodes', c.roundEvalEpisodes],
  ] as const)
    if (!Number.isInteger(v) || v < 0) throw bad(flag, v, 'an integer ≥ 0');
  for (const [flag, v] of [
    ['--updates-per-step', c.updatesPerStep],
    ['--actor-lr', c.actorLr],
    ['--critic-lr', c.criticLr],
    ['--disc-lr', c.discLr],
  ] as const)
    if (!(v > 0 && Number.isFinite(v))) throw bad(flag, v, 'a positive number');
  for (const [flag, v] of [
    ['--expl-noise', c.explNoise],
    ['--target-noise', c.targetNoise],
    ['--target-noise-clip', c.targetNoiseClip],
    ['--grad-penalty', c.gradPenalty],
  ] as const)
    if (!(v >= 0 && Number.isFinite(v))) throw bad(flag, v, 'a number ≥ 0');
  if (!(c.gamma >= 0 && c.gamma < 1)) throw bad('--gamma', c.gamma, 'a number in [0, 1)');
  if (!(c.tau > 0 && c.tau <= 1)) throw bad('--tau', c.tau, 'a number in (0, 1]');
  if (c.demoTrajectories !== undefined && !(Number.isInteger(c.demoTrajectories) && c.demoTrajectories > 0))
    throw bad('--trajectories', c.demoTrajectories, 'a positive integer');
  for (const [flag, sizes] of [
    ['--hidden', c.policyHidden],
    ['--critic-hidden', c.criticHidden],
    ['--disc-hidden', c.discHidden],
  ] as const)
    if (!Array.isArray(sizes) || sizes.length === 0 || !sizes.every((h) => Number.isInteger(h) && h > 0))
      throw bad(flag, Array.isArray(sizes) ? sizes.join(',') : sizes, 'comma-separated positive integers');
  return Object.freeze({
    ...c,
    policyHidden: [...c.policyHidden],
    criticHidden: [...c.criticHidden],
    discHidden: [...c.discHidden],
    ...(c.demoEpisodes !== undefined ? { demoEpisodes: [...c.demoEpisodes] } : {}),
  });
}
