/**
 * Behavioural-cloning options (bc.ts), apart from the learner so that the command line can show the
 * defaults without loading TensorFlow.js.
 */
import { GailBridgeError } from '../core/errors.js';

/** BC losses. */
export const BC_LOSSES = {
  gaussian: 'negative log-likelihood of the expert action under the Gaussian policy (trains μ and σ)',
  mse: 'squared error of the mean action; σ is then set to the validation residuals’ spread',
} as const;
export type BcLoss = keyof typeof BC_LOSSES;

/** Behavioural-cloning options. */
export interface BcConfig {
  /** Default gaussian. */
  readonly loss: BcLoss;
  /** Most passes over the training pairs; default 200. */
  readonly maxEpochs: number;
  /** Pairs per Adam step; default 256. */
  readonly batchSize: number;
  /** Adam step size; default 1e-3. */
  readonly learningRate: number;
  /** Share of pairs held out for validation, in [0, 1); default 0.1 (0: no early stopping). */
  readonly validationFraction: number;
  /** Epochs without a better validation loss before stopping; default 10. */
  readonly patience: number;
  /** Fit the policy's observation normaliser to the demonstrations first; default true. */
  readonly fitNormalizer: boolean;
  /** Seed of the split and minibatch order. */
  readonly seed: number;
}

export const BC_DEFAULTS: BcConfig = Object.freeze({
  loss: 'gaussian',
  maxEpochs: 200,
  batchSize: 256,
  learningRate: 1e-3,
  validationFraction: 0.1,
  patience: 10,
  fitNormalizer: true,
  seed: 0,
});

/** Fills defaults and checks ranges; never mutates `partial`. */
export function resolveBcConfig(partial: Partial<BcConfig> = {}): BcConfig {
  const c: BcConfig = { ...BC_DEFAULTS, ...partial };
  const bad = (field: string, value: unknown, want: string) =>
    new GailBridgeError('config', `BC ${field}: expected ${want}, got ${String(value)}`);
  if (!Object.hasOwn(BC_LOSSES, c.loss)) throw bad('loss', c.loss, 'gaussian or mse');
  for (const f of ['maxEpochs', 'batchSize', 'patience'] as const) {
    if (!Number.isInteger(c[f]) || c[f] <= 0) throw bad(f, c[f], 'a positive integer');
  }
  if (!(c.learningRate > 0)) throw bad('learningRate', c.learningRate, 'a positive number');
  if (!(c.validationFraction >= 0 && c.validationFraction < 1))
    throw bad('validationFraction', c.validationFraction, 'a number in [0, 1)');
  return Object.freeze(c);
}
