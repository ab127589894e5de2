/**
 * `train --algo dagger` settings (dagger.ts), apart from the algorithm so that the command line can show
 * the defaults without loading TensorFlow.js.
 */
import type { DemoChoiceSettings } from '../core/demo-selection.js';
import { GailBridgeError } from '../core/errors.js';
import type { GenericEnvOptions } from '../sim/generic.js';
import {
  BC_LEARNER_SETTINGS_DEFAULTS,
  type BcLearnerSettings,
  checkBcLearnerSettings,
} from './bc-learner-settings.js';

/** The `train --algo dagger` settings, as config.json stores them; the BcLearnerSettings are every round's BC. */
export interface DaggerSettings extends DemoChoiceSettings, BcLearnerSettings {
  /** Built-in task to roll out and evaluate on; or `model`. */
  readonly task: string | undefined;
  /** An MJCF robot instead (a generic task: no reward, so no evaluation). */
  readonly model: string | undefined;
  readonly taskConfig: string | undefined;
  readonly genericEnv: GenericEnvOptions | undefined;
  /** Keep one demonstration pair in K (the GAIL paper: 20); labelled steps are all kept. Default 1. */
  readonly subsample: number;
  /**
   * Correction files (`deploy --corrections`, HG-DAgger), every step of every episode added to the
   * demonstrations' pairs from round 0 on; default none.
   */
  readonly corrections: readonly string[];
  /** The policy that labels the learner's states (it plays the person); undefined: no rounds to label. */
  readonly expert: string | undefined;
  /** K: DAgger rounds after round 0; default 5 with `expert`, and 0 (retrain only) without. */
  readonly rounds: number;
  /** N: labelled env steps per round, all envs together; default 2000. */
  readonly roundSteps: number;
  /** β in [0, 1]: round i ≥ 1 executes the expert's action with probability β^i; default 0. */
  readonly beta: number;
  /** Envs stepped side by side while collecting; default 1. */
  readonly envs: number;
  /** Deterministic evaluation episodes after each round (0: none); default 5. */
  readonly roundEvalEpisodes: number;
  /** Hidden widths of the policy; default [64, 64]. */
  readonly policyHidden: readonly number[];
  readonly seed: number;
  /** TensorFlow.js backend: auto | tensorflow | wasm | cpu. */
  readonly backend: string;
  /** Rounds between checkpoints; default 1 (a round is minutes of work). */
  readonly checkpointEvery: number;
}

export const DAGGER_SETTINGS_DEFAULTS: Omit<
  DaggerSettings,
  'task' | 'model' | 'taskConfig' | 'genericEnv' | 'demos' | 'expert' | 'rounds'
> = Object.freeze({
  demoTrajectories: undefined,
  demoEpisodes: undefined,
  excludeFailures: false,
  minReturn: undefined,
  subsample: 1,
  corrections: [],
  roundSteps: 2000,
  beta: 0,
  envs: 1,
  roundEvalEpisodes: 5,
  policyHidden: [64, 64],
  seed: 0,
  backend: 'auto',
  ...BC_LEARNER_SETTINGS_DEFAULTS,
  checkpointEvery: 1,
});

/** K when `--expert` is given and `--rounds` is not. */
export const DAGGER_DEFAULT_ROUNDS = 5;

const DAGGER_FIELDS: ReadonlySet<string> = new Set([
  'task',
  'model',
  'taskConfig',
  'genericEnv',
  'demos',
  'expert',
  'rounds',
  ...Object.keys(DAGGER_SETTINGS_DEFAULTS),
]);

/** Fills defaults and validates, naming the flag; never mutates `partial`. */
export function resolveDaggerSettings(
  partial: Partial<DaggerSettings> & Pick<DaggerSettings, 'demos'>,
): DaggerSettings {
  const unknown = Object.keys(partial).filter((k) => !DAGGER_FIELDS.has(k));
  if (unknown.length > 0)
    throw new GailBridgeError(
      'config',
      `DAgger settings: unknown ${unknown.map((k) => `"${k}"`).join(', ')}`,
    );
  if ((partial.task === undefined) === (partial.model === undefined))
    throw new GailBridgeError(
      'usage',
      '--algo dagger: --task <name> is required (the task to roll out and evaluate on), ' +
        'or --model robot.xml / --task-config task.yaml for an MJCF robot',
    );
  const given = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const c: DaggerSettings = {
    ...DAGGER_SETTINGS_DEFAULTS,
    task: undefined,
    model: undefined,
    taskConfig: undefined,
    genericEnv: undefined,
    expert: undefined,
    rounds: partial.expert === undefined ? 0 : DAGGER_DEFAULT_ROUNDS,
    ...given,
    demos: partial.demos,
  };
  const bad = (flag: string, value: unknown, want: string) =>
    new GailBridgeError('config', `${flag}: expected ${want}, got ${String(value)}`);
  checkBcLearnerSettings(c, bad);
  for (const [flag, v] of [
    ['--subsample', c.subsample],
    ['--round-steps', c.roundSteps],
    ['--envs', c.envs],
    ['--checkpoint-every', c.checkpointEvery],
  ] as const)
    if (!Number.isInteger(v) || v <= 0) throw bad(flag, v, 'a positive integer');
  for (const [flag, v] of [
    ['--rounds', c.rounds],
    ['--round-eval-episodes', c.roundEvalEpisodes],
  ] as const)
    if (!Number.isInteger(v) || v < 0) throw bad(flag, v, 'an integer ≥ 0');
  if (c.demoTrajectories !== undefined && !(Number.isInteger(c.demoTrajectories) && c.demoTrajectories > 0))
    throw bad('--trajectories', c.demoTrajectories, 'a positive integer');
  if (!(c.beta >= 0 && c.beta <= 1)) throw bad('--beta', c.beta, 'a number in [0, 1]');
  if (!c.policyHidden.every((h) => Number.isInteger(h) && h > 0))
    throw bad('--hidden', c.policyHidden.join(','), 'comma-separated positive integers');
  if (c.expert === undefined && c.rounds > 0)
    throw new GailBridgeError(
      'usage',
      `--rounds ${c.rounds}: rounds need --expert P.policy, the policy that labels the learner's states; ` +
        'without it DAgger retrains on --demos and --corrections (HG-DAgger); leave --rounds out',
    );
  return Object.freeze({ ...c, policyHidden: [...c.policyHidden], corrections: [...c.corrections] });
}
