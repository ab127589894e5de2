/**
 * Trust Region Policy Optimization (Schulman et al. 2015), the policy step of the GAIL paper (Ho &
 * Ermon 2016, Algorithm 1, step 5). One `update(batch)` is, in order:
 *
 *   1. V under the current critic; GAE(γ, λ) advantages (gae.ts), normalised over the batch
 *   2. g = ∇θ L(θ) at θ_old, where L(θ) = E[π_θ(a|s) / π_old(a|s) · Â]            (TRPO eq. 14)
 *   3. x ≈ F⁻¹g by conjugate gradient (Appendix C), F the Fisher matrix of the policy, applied as an
 *      exact Fisher-vector product: for a diagonal Gaussian with state-independent log σ,
 *        F·v = E_s[J_μᵀ diag(σ⁻²) J_μ v] ⊕ 2·v_logσ   (+ damping·v)
 *      where J_μ v comes from a forward-mode pass through the mean network (Mlp.jvp) and J_μᵀ u from
 *      one backward pass, so no second-order autodiff is needed
 *   4. step β·x with β = sqrt(2δ / xᵀFx) (the KL's quadratic model reaches δ), then backtracking:
 *      accept the first θ_old + αβx (α = 1, ½, ¼, …) whose exact mean KL(π_old ‖ π_θ) ≤ δ and whose
 *      surrogate improves; otherwise keep θ_old (counted as a failed line search)
 *   5. the value network regresses on the GAE returns with Adam (the paper's critic was fitted too)
 *   6. the observation normaliser absorbs the batch
 */
import * as tf from '@tensorflow/tfjs';
import { GailBridgeError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { Adam } from './adam.js';
import { computeGae, validateBatchForPolicy } from './gae.js';
import { type GaussianPolicy, gaussianEntropy, gaussianLogProb } from './gaussian-policy.js';
import { type NamedArrays, namedArray, takeArray } from './named-arrays.js';
import { explainedVariance, gatherRows, mean, permutation, validIndices, variance } from './train-utils.js';
import type { PolicyLearner, RolloutBatch, UpdateStats } from './types.js';
import { ValueFunction, valueBatch } from './value.js';

/** TRPO's hyperparameters. Defaults follow the GAIL paper's TRPO (γ 0.995, λ 0.97, δ 0.01). */
export interface TrpoConfig {
  /** Discount γ; default 0.995. */
  readonly gamma: number;
  /** GAE λ; default 0.97. */
  readonly lambda: number;
  /** Trust-region size δ, a mean KL in nats; default 0.01. */
  readonly maxKl: number;
  /** Added to the Fisher matrix's diagonal for conjugate gradient; default 0.1. */
  readonly damping: number;
  /** Conjugate-gradient iterations; default 10. */
  readonly cgIters: number;
  /** Line-search halvings before giving up; default 10. */
  readonly backtrackIters: number;
  /** Entropy bonus added to the surrogate; default 0. */
  readonly entCoef: number;
  /** Normalise advantages over the batch; default true. */
  readonly normalizeAdvantages: boolean;
  /** Value-network Adam step size; default 1e-3. */
  readonly valueLearningRate: number;
  /** Passes of value regression per update; default 5. */
  readonly valueEpochs: number;
  /** Rows per value minibatch; default 64. */
  readonly valueMinibatchSize: number;
  /** Hidden widths of the value network; default [64, 64]. */
  readonly valueHiddenSizes: readonly number[];
  /** Update the policy's observation normaliser from each batch; default true. */
  readonly updateNormalizer: boolean;
  /** Seed for the value network's weights and minibatch order. */
  readonly seed: number;
}

export const TRPO_DEFAULTS: TrpoConfig = Object.freeze({
  gamma: 0.995,
  lambda: 0.97,
  maxKl: 0.01,
  damping: 0.1,
  cgIters: 10,
  backtrackIters: 10,
  entCoef: 0,
  normalizeAdvantages: true,
  valueLearningRate: 1e-3,
  valueEpochs: 5,
  valueMinibatchSize: 64,
  valueHiddenSizes: [64, 64],
  updateNormalizer: true,
  seed: 0,
});

/** Fills defaults and checks ranges; never mutates `partial`. */
export function resolveTrpoConfig(partial: Partial<TrpoConfig> = {}): TrpoConfig {
  const c: TrpoConfig = { ...TRPO_DEFAULTS, ...partial };
  const bad = (field: string, value: unknown, want: string) =>
    new GailBridgeError('config', `TRPO ${field}: expected ${want}, got ${String(value)}`);
  if (!(c.gamma >= 0 && c.gamma <= 1)) throw bad('gamma', c.gamma, 'a number in [0, 1]');
  if (!(c.lambda >= 0 && c.lambda <= 1)) throw bad('lambda', c.lambda, 'a number in [0, 1]');
  if (!(c.maxKl > 0)) throw bad('maxKl', c.maxKl, 'a positive number');
  if (!(c.damping >= 0)) throw bad('damping', c.damping, 'a number ≥ 0');
  for (const f of ['cgIters', 'backtrackIters', 'valueEpochs', 'valueMinibatchSize'] as const) {
    if (!Number.isInteger(c[f]) || c[f] <= 0) throw bad(f, c[f], 'a positive integer');
  }
  if (!(c.valueLearningRate > 0)) throw bad('valueLearningRate', c.valueLearningRate, 'a positive number');
  return Object.freeze({ ...c, valueHiddenSizes: [...c.valueHiddenSizes] });
}

/**
 * Solves A x = b for symmetric positive-definite A given as a product `av`, by `iters` conjugate-gradient
 * steps from x = 0 (Nocedal & Wright, Algorithm 5.2). Returns x and the final squared residual.
 */
export function conjugateGradient(
  av: (v: Float64Array) => Float64Array,
  b: Float64Array,
  iters: number,
  residualTol = 1e-10,
): { x: Float64Array; residual: number } {
  const x = new Float64Array(b.length);
  const r = Float64Array.from(b);
  const p = Float64Array.from(b);
  let rr = dot(r, r);
  for (let i = 0; i < iters && rr > residualTol; i++) {
    const ap = av(p);
    const alpha = rr / dot(p, ap);
    for (let k = 0; k < x.length; k++) {
      x[k] = x[k]! + alpha * p[k]!;
      r[k] = r[k]! - alpha * ap[k]!;
    }
    const rrNew = dot(r, r);
    const beta = rrNew / rr;
    for (let k = 0; k < p.length; k++) p[k] = r[k]! + beta * p[k]!;
    rr = rrNew;
  }
  return { x, residual: rr };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Mean KL(N(μ0, σ0) ‖ N(μ1, σ1)) over rows of diagonal Gaussians (n × d means, d log σ). In tf.tidy. */
export function meanGaussianKl(
  mu0: tf.Tensor2D,
  logStd0: tf.Tensor1D,
  mu1: tf.Tensor2D,
  logStd1: tf.Tensor1D,
): tf.Scalar {
  const var0 = tf.exp(tf.mul(2, logStd0));
  const var1 = tf.exp(tf.mul(2, logStd1));
  const perDim = tf.sub(
    tf.add(tf.sub(logStd1, logStd0), tf.div(tf.add(var0, tf.square(tf.sub(mu0, mu1))), tf.mul(2, var1))),
    0.5,
  );
  return tf.mean(tf.sum(perDim, 1)) as tf.Scalar;
}

/** TRPO over a Gaussian policy (owned by the caller) and a value net it owns. */
export class TrpoLearner implements PolicyLearner {
  readonly policy: GaussianPolicy;
  readonly config: TrpoConfig;
  readonly value: ValueFunction;
  private readonly valueAdam: Adam;
  private readonly rng: Rng;
  private updates = 0;
  private failedLineSearches = 0;
  private disposed = false;

  constructor(policy: GaussianPolicy, config: Partial<TrpoConfig> = {}) {
    this.policy = policy;
    this.config = resolveTrpoConfig(config);
    const root = new Rng(this.config.seed);
    this.value = ValueFunction.forPolicy(policy, this.config.valueHiddenSizes, root.fork(0));
    this.rng = root.fork(1);
    this.valueAdam = new Adam(this.value.net.variables);
  }

  /** Updates done so far. */
  get updatesDone(): number {
    return this.updates;
  }

  /** Updates whose line search found no acceptable step (the policy was left unchanged). */
  get lineSearchFailures(): number {
    return this.failedLineSearches;
  }

  /** One TRPO update (see the file comment). */
  update(batch: RolloutBatch): UpdateStats {
    if (this.disposed) throw new GailBridgeError('state', 'TrpoLearner: update() after dispose()');
    validateBatchForPolicy('TRPO', batch, this.policy);
    const c = this.config;
    const v = valueBatch(this.value, this.policy.obsNorm, batch);
    const gae = computeGae(batch, v, c.gamma, c.lambda);
    // Steps of diverged episodes (valid = 0) are left out of every loss (RolloutBatch.valid).
    const usable = validIndices(batch.numSteps * batch.numEnvs, batch.valid);
    const n = usable.length;
    if (n === 0) {
      this.updates++;
      return { skipped: 1, validSteps: 0 };
    }
    const obsNorm = gatherRows(v.obsNorm, batch.obsDim, usable);
    const returns = gatherRows(gae.returns, 1, usable);
    const adv = gatherRows(gae.advantages, 1, usable);
    if (c.normalizeAdvantages && n > 1) {
      const m = mean(adv);
      const s = Math.sqrt(variance(adv)) + 1e-8;
      for (let i = 0; i < n; i++) adv[i] = (adv[i]! - m) / s;
    }
    const policyStats = this.policyStep(obsNorm, gatherRows(batch.actions, batch.actDim, usable), adv, n);
    const valueLoss = this.fitValue(obsNorm, returns, n);
    this.updates++;
    if (c.updateNormalizer) this.policy.obsNorm.update(gatherRows(batch.obs, batch.obsDim, usable), n);
    return {
      ...policyStats,
      valueLoss,
      explainedVariance: explainedVariance(gatherRows(v.values, 1, usable), returns),
      validSteps: n,
    };
  }

  private policyStep(
    obsNorm: Float32Array,
    actions: Float32Array,
    adv: Float32Array,
    n: number,
  ): Record<string, number> {
    const c = this.config;
    const policy = this.policy;
    const vars = policy.variables;
    const shapes = vars.map((x) => x.shape);
    const sizes = vars.map((x) => x.size);
    const total = sizes.reduce((a, b) => a + b, 0);

    const obs = tf.tensor2d(obsNorm, [n, policy.obsDim]);
    const act = tf.tensor2d(actions, [n, policy.actDim]);
    const advT = tf.tensor1d(adv);
    const oldMu = tf.tidy(() => policy.mean.apply(obs));
    const oldLogStd = tf.clone(policy.logStd) as tf.Tensor1D;
    const oldLogp = tf.tidy(() => gaussianLogProb(oldMu, oldLogStd, act));
    const theta0 = flatten(vars);
    try {
      // No tf.tidy inside: a gradient function's intermediates must outlive it for the backward pass.
      const surrogateOps = (): tf.Scalar => {
        const logp = gaussianLogProb(policy.mean.apply(obs), policy.logStd, act);
        const surr = tf.mean(tf.mul(tf.exp(tf.sub(logp, oldLogp)), advT));
        return tf.add(surr, tf.mul(c.entCoef, gaussianEntropy(policy.logStd))) as tf.Scalar;
      };
      const surrogate = (): tf.Scalar => tf.tidy(surrogateOps);
      const surr0 = surrogate();
      const surrBefore = surr0.dataSync()[0]!;
      surr0.dispose();
      const g = tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.neg(surrogateOps()) as tf.Scalar, vars);
        return tf.neg(tf.concat(vars.map((x) => tf.reshape(grads[x.name]!, [-1]))));
      });
      const gFlat = Float64Array.from(g.dataSync());
      g.dispose();
      const gradNorm = Math.sqrt(dot(gFlat, gFlat));
      if (!Number.isFinite(gradNorm) || !Number.isFinite(surrBefore)) {
        this.failedLineSearches++;
        return { surrogate: 0, improvement: 0, kl: 0, gradNorm: 0, lineSearchSteps: -1, skipped: 1 };
      }

      const fisher = fisherVectorProduct(policy, obs, c.damping);
      const { x, residual } = conjugateGradient(fisher.fvp, gFlat, c.cgIters);
      const xFx = dot(x, fisher.fvp(x));
      fisher.dispose();
      const beta = Math.sqrt((2 * c.maxKl) / Math.max(xFx, 1e-12));
      const expected = beta * dot(gFlat, x);

      let accepted = -1;
      let kl = 0;
      let surrAfter = surrBefore;
      const theta = new Float32Array(total);
      for (let i = 0; i < c.backtrackIters; i++) {
        const alpha = 0.5 ** i;
        for (let k = 0; k < total; k++) theta[k] = theta0[k]! + alpha * beta * x[k]!;
        assignFlat(vars, theta, shapes, sizes);
        const s = surrogate();
        const klT = tf.tidy(() => meanGaussianKl(oldMu, oldLogStd, policy.mean.apply(obs), policy.logStd));
        const vals = [s.dataSync()[0]!, klT.dataSync()[0]!];
        tf.dispose([s, klT]);
        const [sNew, klNew] = vals as [number, number];
        if (Number.isFinite(sNew) && Number.isFinite(klNew) && klNew <= c.maxKl && sNew > surrBefore) {
          accepted = i;
          kl = klNew;
          surrAfter = sNew;
          break;
        }
      }
      if (accepted < 0) {
        assignFlat(vars, theta0, shapes, sizes);
        this.failedLineSearches++;
      }
      const entropy = tf.tidy(() => gaussianEntropy(policy.logStd).dataSync()[0]!);
      return {
        surrogate: surrAfter,
        improvement: surrAfter - surrBefore,
        expectedImprovement: expected,
        kl,
        gradNorm,
        cgResidual: residual,
        lineSearchSteps: accepted,
        entropy,
        skipped: accepted < 0 ? 1 : 0,
      };
    } finally {
      tf.dispose([obs, act, advT, oldMu, oldLogStd, oldLogp]);
    }
  }

  /** Adam regression of V on the returns; the mean squared error of the last epoch. */
  private fitValue(obsNorm: Float32Array, returns: Float32Array, n: number): number {
    const c = this.config;
    const dim = this.policy.obsDim;
    const mb = Math.min(c.valueMinibatchSize, n);
    const vars = this.value.net.variables as tf.Variable[];
    let lastLoss = 0;
    for (let epoch = 0; epoch < c.valueEpochs; epoch++) {
      const perm = permutation(n, this.rng);
      let sum = 0;
      let count = 0;
      for (let start = 0; start + mb <= n; start += mb) {
        const idx = perm.subarray(start, start + mb);
        const x = gatherRows(obsNorm, dim, idx);
        const y = gatherRows(returns, 1, idx);
        const loss = tf.tidy(() => {
          const xt = tf.tensor2d(x, [mb, dim]);
          const yt = tf.tensor1d(y);
          const { value, grads } = tf.variableGrads(
            () => tf.mean(tf.square(tf.sub(this.value.apply(xt), yt))) as tf.Scalar,
            vars,
          );
          const l = value.dataSync()[0]!;
          if (Number.isFinite(l)) {
            this.valueAdam.apply(
              vars.map((x) => grads[x.name]!),
              c.valueLearningRate,
            );
          }
          return l;
        });
        if (Number.isFinite(loss)) {
          sum += loss;
          count++;
        }
      }
      lastLoss = count > 0 ? sum / count : 0;
    }
    return lastLoss;
  }

  /** Policy, value net, the value optimiser's state and the update count (for --resume). */
  toArrays(): NamedArrays {
    return {
      ...this.policy.toArrays(),
      ...this.value.toArrays(),
      ...this.valueAdam.toArrays('trpo/valueAdam'),
      'trpo/updates': namedArray([1], [this.updates]),
    };
  }

  /** Restores what `toArrays` saved. The value net and optimiser state are optional. */
  loadArrays(arrays: NamedArrays): void {
    this.policy.loadArrays(arrays);
    if (arrays['value/0/w']) this.value.loadArrays(arrays);
    if (arrays['trpo/valueAdam/step']) this.valueAdam.loadArrays(arrays, 'trpo/valueAdam');
    if (arrays['trpo/updates']) this.updates = takeArray(arrays, 'trpo/updates', [1], 'TRPO state')[0]!;
  }

  /** Frees the value net and optimiser state; the policy belongs to the caller. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.value.dispose();
    this.valueAdam.dispose();
  }
}

/**
 * F·v + damping·v for the policy's Fisher matrix at its current parameters, averaged over the rows of
 * `obs` (normalised observations), with v laid out as `policy.variables` concatenated. Exact for a
 * diagonal Gaussian with state-independent log σ (see the file comment). `dispose()` frees the cached σ⁻².
 */
export function fisherVectorProduct(
  policy: GaussianPolicy,
  obs: tf.Tensor2D,
  damping: number,
): { fvp: (v: Float64Array) => Float64Array; dispose: () => void } {
  const meanVars = policy.mean.variables as tf.Variable[];
  const shapes = policy.variables.map((x) => x.shape);
  const sizes = policy.variables.map((x) => x.size);
  const n = obs.shape[0];
  const invVarOverN = tf.tidy(() => tf.div(tf.exp(tf.mul(-2, policy.logStd)), n));
  const fvp = (vec: Float64Array): Float64Array => {
    const out = tf.tidy(() => {
      const parts = split(vec, shapes, sizes);
      const { dOut } = policy.mean.jvp(obs, parts.slice(0, meanVars.length));
      const u = tf.mul(dOut, invVarOverN);
      const { grads } = tf.variableGrads(
        () => tf.sum(tf.mul(policy.mean.apply(obs), u)) as tf.Scalar,
        meanVars,
      );
      const meanPart = meanVars.map((x) => tf.reshape(grads[x.name]!, [-1]));
      const logStdPart = tf.mul(2, tf.reshape(parts[meanVars.length]!, [-1]));
      return tf.concat([...meanPart, logStdPart]);
    });
    const fv = out.dataSync();
    out.dispose();
    const res = new Float64Array(vec.length);
    for (let i = 0; i < vec.length; i++) res[i] = fv[i]! + damping * vec[i]!;
    return res;
  };
  return { fvp, dispose: () => invVarOverN.dispose() };
}

/** The variables' values, concatenated. */
function flatten(vars: readonly tf.Variable[]): Float32Array {
  const total = vars.reduce((a, x) => a + x.size, 0);
  const out = new Float32Array(total);
  let off = 0;
  for (const x of vars) {
    out.set(x.dataSync(), off);
    off += x.size;
  }
  return out;
}

/** A flat vector cut into tensors of the variables' shapes. In tf.tidy. */
function split(vec: ArrayLike<number>, shapes: readonly number[][], sizes: readonly number[]): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  let off = 0;
  shapes.forEach((shape, i) => {
    const size = sizes[i]!;
    out.push(
      tf.tensor(
        Float32Array.from({ length: size }, (_, k) => vec[off + k]!),
        shape,
      ),
    );
    off += size;
  });
  return out;
}

function assignFlat(
  vars: readonly tf.Variable[],
  flat: Float32Array,
  shapes: readonly number[][],
  sizes: readonly number[],
): void {
  tf.tidy(() => {
    const parts = split(flat, shapes, sizes);
    vars.forEach((x, i) => {
      x.assign(parts[i]!);
    });
  });
}
