/**
 * Behavioural cloning (the GAIL paper's baseline; src/learn/bc.ts) under the run layer: one round is one
 * epoch over the demonstration pairs, so a BC run has a config.json, metrics.jsonl, a report and a
 * checkpoint like any other, stops after the epoch in progress and resumes at the next one.
 */
import { describeEnvTarget } from '../config/task.js';
import { type DemoChoiceSettings, selectionRecord } from '../core/demo-selection.js';
import { GailBridgeError } from '../core/errors.js';
import { parseBackendChoice, useBackend } from '../learn/backend.js';
import { BcLearner, pairsFromTrajectories } from '../learn/bc.js';
import { GaussianPolicy } from '../learn/gaussian-policy.js';
import { type ChartSpec, metricsRow, type TrainingAlgorithm } from '../run/algorithm.js';
import type { GenericEnvOptions } from '../sim/generic.js';
import {
  BC_LEARNER_SETTINGS_DEFAULTS,
  type BcLearnerSettings,
  bcConfigOf,
  checkBcLearnerSettings,
} from './bc-learner-settings.js';
import { chosenDemonstrations, trainingEnv } from './demonstrations.js';

/** The `train --algo bc` settings, as config.json stores them. */
export interface BcSettings extends DemoChoiceSettings, BcLearnerSettings {
  /** Built-in task the demonstrations are for (its spec is checked; evaluation runs on it); or `model`. */
  readonly task: string | undefined;
  /** An MJCF robot instead (a generic task, no reward: nothing to evaluate). */
  readonly model: string | undefined;
  /** The task config `model` and `genericEnv` came from (read once at the start of the run). */
  readonly taskConfig: string | undefined;
  readonly genericEnv: GenericEnvOptions | undefined;
  /** Keep one pair in K, from a random offset per trajectory (the paper: 20); default 1. */
  readonly subsample: number;
  /** Hidden widths of the policy; default [64, 64]. */
  readonly policyHidden: readonly number[];
  readonly seed: number;
  /** TensorFlow.js backend: auto | tensorflow | wasm | cpu. */
  readonly backend: string;
  /** Epochs between checkpoints; default 10. */
  readonly checkpointEvery: number;
}

export const BC_SETTINGS_DEFAULTS: Omit<
  BcSettings,
  'task' | 'model' | 'taskConfig' | 'genericEnv' | 'demos'
> = Object.freeze({
  demoTrajectories: undefined,
  demoEpisodes: undefined,
  excludeFailures: false,
  minReturn: undefined,
  subsample: 1,
  policyHidden: [64, 64],
  seed: 0,
  backend: 'auto',
  ...BC_LEARNER_SETTINGS_DEFAULTS,
  checkpointEvery: 10,
});

const BC_FIELDS: ReadonlySet<string> = new Set([
  'task',
  'model',
  'taskConfig',
  'genericEnv',
  'demos',
  ...Object.keys(BC_SETTINGS_DEFAULTS),
]);

/** Fills defaults and validates, naming the option; never mutates `partial`. */
export function resolveBcSettings(partial: Partial<BcSettings> & Pick<BcSettings, 'demos'>): BcSettings {
  const unknown = Object.keys(partial).filter((k) => !BC_FIELDS.has(k));
  if (unknown.length > 0)
    throw new GailBridgeError('config', `BC settings: unknown ${unknown.map((k) => `"${k}"`).join(', ')}`);
  if ((partial.task === undefined) === (partial.model === undefined))
    throw new GailBridgeError(
      'usage',
      '--algo bc: --task <name> is required (the built-in task the demonstrations are for, used for evaluation), ' +
        'or --model robot.xml / --task-config task.yaml for an MJCF robot',
    );
  // An undefined field takes its default (the command line's "not given").
  const given = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const c: BcSettings = {
    ...BC_SETTINGS_DEFAULTS,
    task: undefined,
    model: undefined,
    taskConfig: undefined,
    genericEnv: undefined,
    ...given,
    demos: partial.demos,
  };
  const bad = (flag: string, value: unknown, want: string) =>
    new GailBridgeError('config', `${flag}: expected ${want}, got ${String(value)}`);
  checkBcLearnerSettings(c, bad);
  for (const [flag, v] of [
    ['--subsample', c.subsample],
    ['--checkpoint-every', c.checkpointEvery],
  ] as const)
    if (!Number.isInteger(v) || v <= 0) throw bad(flag, v, 'a positive integer');
  if (c.demoTrajectories !== undefined && !(Number.isInteger(c.demoTrajectories) && c.demoTrajectories > 0))
    throw bad('--trajectories', c.demoTrajectories, 'a positive integer');
  if (!c.policyHidden.every((h) => Number.isInteger(h) && h > 0))
    throw bad('--hidden', c.policyHidden.join(','), 'comma-separated positive integers');
  return Object.freeze({ ...c, policyHidden: [...c.policyHidden] });
}

/** BC as the run layer sees it, and what the command reports about its setup. */
export interface BcAlgorithm extends TrainingAlgorithm {
  readonly backend: string;
  readonly demoPairs: number;
  readonly trajectories: number;
  /** Where training stands (epochs, best epoch and validation loss, early stop). */
  readonly learnerState: () => {
    readonly epochs: number;
    readonly bestEpoch: number;
    readonly bestValidationLoss: number;
    readonly stoppedEarly: boolean;
  };
}

/** Builds BC for `s`: backend, demos checked against the task, the pairs, the policy and its learner. */
export async function bcAlgorithm(
  s: BcSettings,
  options: { readonly log?: (line: string) => void } = {},
): Promise<BcAlgorithm> {
  const log = options.log ?? (() => {});
  const env = trainingEnv(s);
  const { target } = env;
  // The same choice as GAIL's (core/demo-selection.ts), so the baseline sees the same data; the policy
  // records the env it was trained on (a generic robot's model and task config), not the demos'.
  const { demo, selection, trajectories: chosen, source } = await chosenDemonstrations(s, env, log);
  const backend = await useBackend(parseBackendChoice(s.backend));
  log(backend.description);
  const data = pairsFromTrajectories(chosen, { subsample: s.subsample, seed: s.seed });
  log(`demos: ${chosen.length} trajectories, ${data.n} pairs`);
  const spec = { ...demo.spec, source };
  const policy = new GaussianPolicy(
    { obsDim: spec.observation.names.length, actDim: spec.action.names.length, hiddenSizes: s.policyHidden },
    s.seed,
  );
  const learner = new BcLearner(policy, data, bcConfigOf(s, s.seed));
  return {
    name: 'bc',
    spec,
    seed: s.seed,
    policy,
    learner,
    budget: { unit: 'epochs', total: s.epochs },
    checkpointEvery: s.checkpointEvery,
    report: {
      title: `Behavioural cloning on ${describeEnvTarget(target)}`,
      x: { key: 'round', label: 'epochs' },
      charts: [bcLossChart('Loss (negative log-likelihood or squared error)')],
      summary: [
        { key: 'trainLoss', name: 'training loss' },
        { key: 'validationLoss', name: 'validation loss' },
      ],
    },
    backend: backend.name,
    startedWith: { demoSelection: selectionRecord(selection) },
    demoPairs: data.n,
    trajectories: chosen.length,
    learnerState: () => ({
      epochs: learner.epoch,
      bestEpoch: learner.bestEpoch,
      bestValidationLoss: learner.bestValidationLoss,
      stoppedEarly: learner.stoppedEarly,
    }),

    async train(_start, hooks) {
      // The learner's own epoch counter was restored with its state; `_start` says the same.
      while (!learner.done) {
        const e = learner.step();
        hooks.onRound({ round: learner.epoch, envSteps: 0 }, metricsRow(e));
        if (hooks.shouldStop()) return;
        // Let signals and other I/O in between epochs.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      learner.finish();
    },

    dispose() {
      learner.dispose();
      policy.dispose();
    },
  };
}

/** The report's chart of BC's training and validation losses (BC runs, and DAgger's BC of each round). */
export function bcLossChart(title: string): ChartSpec {
  return {
    title,
    series: [
      { key: 'trainLoss', name: 'training', color: '#1f77b4' },
      { key: 'validationLoss', name: 'validation', color: '#d62728' },
    ],
  };
}
