/**
 * The supervised learner's settings, shared by `train --algo bc` (bc.ts) and `train --algo dagger`
 * (dagger-config.ts, which retrains by BC each round): one declaration, one set of defaults, one check,
 * named by the command line's flags. Apart from the learner so that the command line can show the
 * defaults without loading TensorFlow.js.
 */
import type { GailBridgeError } from '../core/errors.js';
import { BC_DEFAULTS, BC_LOSSES, type BcConfig, type BcLoss } from '../learn/bc-config.js';

/** BC's settings as config.json stores them (src/learn/bc.ts `BcConfig` under the flags' names). */
export interface BcLearnerSettings {
  /** gaussian (negative log-likelihood, default) or mse. */
  readonly loss: BcLoss;
  /** Most epochs; default 200. */
  readonly epochs: number;
  /** Pairs per Adam step; default 256. */
  readonly batchSize: number;
  /** Adam step size; default 1e-3. */
  readonly lr: number;
  /** Share of pairs held out for early stopping, in [0, 1); default 0.1. */
  readonly validation: number;
  /** Epochs without a better validation loss before stopping; default 10. */
  readonly patience: number;
}

export const BC_LEARNER_SETTINGS_DEFAULTS: BcLearnerSettings = Object.freeze({
  loss: BC_DEFAULTS.loss,
  epochs: BC_DEFAULTS.maxEpochs,
  batchSize: BC_DEFAULTS.batchSize,
  lr: BC_DEFAULTS.learningRate,
  validation: BC_DEFAULTS.validationFraction,
  patience: BC_DEFAULTS.patience,
});

/** Checks `s`, naming the flag; `bad(flag, value, want)` makes the error. */
export function checkBcLearnerSettings(
  s: BcLearnerSettings,
  bad: (flag: string, value: unknown, want: string) => GailBridgeError,
): void {
  if (!Object.hasOwn(BC_LOSSES, s.loss)) throw bad('--loss', s.loss, 'gaussian or mse');
  for (const [flag, v] of [
    ['--epochs', s.epochs],
    ['--batch-size', s.batchSize],
    ['--patience', s.patience],
  ] as const)
    if (!Number.isInteger(v) || v <= 0) throw bad(flag, v, 'a positive integer');
  if (!(s.lr > 0)) throw bad('--lr', s.lr, 'a positive number');
  if (!(s.validation >= 0 && s.validation < 1)) throw bad('--validation', s.validation, 'a number in [0, 1)');
}

/** The BcLearner config of `s` (src/learn/bc.ts), seeded with `seed`. */
export function bcConfigOf(s: BcLearnerSettings, seed: number): Partial<BcConfig> {
  return {
    loss: s.loss,
    maxEpochs: s.epochs,
    batchSize: s.batchSize,
    learningRate: s.lr,
    validationFraction: s.validation,
    patience: s.patience,
    seed,
  };
}
