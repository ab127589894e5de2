/**
 * What an algorithm gives the run layer (src/run/run.ts). DESIGN: "An algorithm is a PolicyLearner plus,
 * for adversarial ones, a discriminator/reward model; the run layer does not know which." So the layer
 * sees a policy, the learner's state, an optional reward model's state and a `train` loop that reports
 * each round; it saves and restores the state, writes metrics.jsonl, the report and the checkpoint, and
 * stops the loop when asked. Expert (PPO/TRPO on the true reward), BC and GAIL implement it in
 * src/algos/, one file each; DAC, AIRL or DAgger would be one more file there.
 */
import type { Spec } from '../core/spec.js';
import type { PolicyRecord } from '../data/policy-file.js';
import type { GaussianPolicy } from '../learn/gaussian-policy.js';
import type { NamedArrays } from '../learn/named-arrays.js';

/** Where a run stands. Saved in every checkpoint; `--resume` continues from it. */
export interface RunProgress {
  /** Rounds done: GAIL rounds, PPO/TRPO updates, BC epochs. */
  readonly round: number;
  /** Env steps collected so far, all envs together (0 for offline learners such as BC). */
  readonly envSteps: number;
}

/** Training state that the checkpoint holds and `--resume` restores (weights, optimiser moments, …). */
export interface Stateful {
  toArrays(): NamedArrays;
  /** Restores what `toArrays` returned (shapes checked by the implementation). */
  loadArrays(arrays: NamedArrays): void;
}

/** One row of metrics.jsonl as the algorithm reports it: named numbers (NaN: no value this round). */
export type MetricsRow = Readonly<Record<string, number>>;

/** The numeric fields of a metrics record (an interface such as IterationMetrics) as a row. */
export function metricsRow(metrics: object): MetricsRow {
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => typeof v === 'number'));
}

/** What the run layer gives the algorithm's loop. */
export interface RoundHooks {
  /** Called after every round, synchronously, before the next round starts. */
  readonly onRound: (progress: RunProgress, row: MetricsRow) => void;
  /** Asked after every round; true ends the loop after that round (a stop request). */
  readonly shouldStop: () => boolean;
  /** Training wall-clock so far, in seconds, over every segment of the run. */
  readonly wallSeconds: () => number;
}

/** One chart of report.html: rows' `keys` against the layout's x. */
export interface ChartSpec {
  readonly title: string;
  readonly series: readonly { readonly key: string; readonly name: string; readonly color: string }[];
  /** Fixed y range (accuracies, probabilities); absent: fitted to the data. */
  readonly yRange?: readonly [number, number];
}

/** How report.html shows this algorithm's metrics. */
export interface ReportLayout {
  /** The page's heading, e.g. "GAIL on inverted-pendulum". */
  readonly title: string;
  /** The x axis of every chart: "envSteps" (online learners) or "round" (BC epochs). */
  readonly x: { readonly key: 'envSteps' | 'round'; readonly label: string };
  readonly charts: readonly ChartSpec[];
  /** Metrics of the last row named in the summary line. */
  readonly summary: readonly { readonly key: string; readonly name: string }[];
}

/** A training algorithm under the run layer. The caller (the CLI) owns it and calls `dispose`. */
export interface TrainingAlgorithm {
  /** Stored as the policy files' training.algo: "gail-ppo", "bc", "ppo", … */
  readonly name: string;
  /** Observation and action spec of the policy (checked against a checkpoint on --resume). */
  readonly spec: Spec;
  readonly seed: number;
  /**
   * What the algorithm found when it was built that a reader of the run needs (e.g. which demonstrations
   * it used and left out, and why): written to config.json as `startedWith`. A report, not a setting.
   */
  readonly startedWith?: Readonly<Record<string, unknown>>;
  /** The policy being learned: its weights and normaliser are the deployable part of every checkpoint. */
  readonly policy: GaussianPolicy;
  /** The policy learner (PPO, TRPO, BC): its whole state, the policy's weights included. */
  readonly learner: Stateful;
  /** Hidden widths of the learner's value net, when it has one (stored in the policy file). */
  readonly valueHidden?: readonly number[];
  /** Adversarial algorithms only: the discriminator or reward model, with its optimiser. */
  readonly rewardModel?: Stateful;
  /**
   * Where `train` stops (the progress bar's total): env steps, epochs for offline learners (BC), or
   * rounds when a round is neither (DAgger: retrain, then label a fixed number of steps).
   */
  readonly budget: { readonly unit: 'env steps' | 'epochs' | 'rounds'; readonly total: number };
  /** Rounds between checkpoints (one is also written at the end and when stopped). */
  readonly checkpointEvery: number;
  readonly report: ReportLayout;
  /** The TensorFlow.js backend it trains on ("wasm", "tensorflow", "cpu"), kept in config.json. */
  readonly backend?: string;
  /**
   * Trains from `start` until the budget is reached or `hooks.shouldStop()` says so, calling
   * `hooks.onRound` after each round. Rejects on errors (non-finite losses round after round, …).
   */
  train(start: RunProgress, hooks: RoundHooks): Promise<void>;
  /**
   * The policy the run delivers in policy.policy when it is not the latest one (the expert keeps its best
   * evaluation); undefined leaves policy.policy as it is. Without this method policy.policy is the
   * latest policy.
   */
  result?(): PolicyRecord | undefined;
  dispose(): void;
}
