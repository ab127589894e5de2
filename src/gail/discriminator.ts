/**
 * The GAIL discriminator D(s, a) (Ho & Ermon 2016, Alg. 1, step 4): an MLP (tanh, 2×100 by default, as
 * in the paper's experiments) on normalised [observation, absorbing indicator, action], returning
 * logits with the convention `logitsExpertIsHigh`: D = σ(logit) is the probability that a pair is the
 * expert's, and the loss is binary cross-entropy with logits, `labelsExpertIsOne`:
 *
 *   L(ψ) = −E_expert[log D] − E_policy[log(1 − D)] = E_expert[softplus(−z)] + E_policy[softplus(z)]
 *
 * (the paper's sign convention is the reverse, D→1 on the policy; only names change). Stabilisers, each
 * switchable: WGAN-GP gradient penalty (Gulrajani et al. 2017, λ·E[(‖∇ₓ̂ z(x̂)‖₂ − 1)²] on x̂ between an
 * expert and a policy sample, coefficient 10), spectral normalisation (Miyato et al. 2018, one power
 * iteration per step), one-sided label smoothing (Salimans et al. 2016: expert target 1 − ε), and L2
 * weight decay on the weight matrices.
 *
 * Inputs are normalised by a running normaliser over every real (non-absorbing) pair D trains on. The
 * absorbing indicator is not normalised and absorbing rows have all-zero normalised features, so the
 * absorbing state stays the same point in input space whatever the statistics.
 *
 * Owns its MLP, optimiser state and spectral-norm vectors: `dispose()` frees them and is idempotent.
 */
import * as tf from '@tensorflow/tfjs';
import { GailBridgeError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { Adam } from '../learn/adam.js';
import { Mlp, tanhViaSigmoid } from '../learn/mlp.js';
import { type NamedArrays, namedArray, takeArray } from '../learn/named-arrays.js';
import { RunningNormalizer } from '../learn/normalizer.js';
import type { Rollout } from '../streams/collector.js';
import { type PairSet, withIndicator } from '../streams/pairs.js';
import { GAIL_DEFAULTS } from './config.js';
import type { AdversarialRewardModel } from './trainer.js';

/**
 * Discriminator architecture and training options; every field has a default, the one of `train --algo
 * gail` (GAIL_DEFAULTS in config.ts: one default per setting, in one place).
 */
export interface DiscriminatorOptions {
  /** Hidden widths; default [100, 100] (Ho & Ermon 2016, §6). */
  readonly hiddenSizes?: readonly number[];
  /** Adam learning rate; default 1e-3. */
  readonly learningRate?: number;
  /** WGAN-GP coefficient λ; 0 turns the penalty off (default 0; 10 when enabled, Gulrajani et al.). */
  readonly gradientPenalty?: number;
  /** Spectral normalisation of every weight matrix; default false. */
  readonly spectralNorm?: boolean;
  /** One-sided label smoothing ε: expert target 1 − ε; default 0. */
  readonly labelSmoothing?: number;
  /** L2 coefficient on weight matrices (not biases); default 0. */
  readonly weightDecay?: number;
  /**
   * Leave the absorbing indicator out of the gradient penalty's norm (‖∂z/∂x‖ over the real coordinates
   * only); default false. The indicator is a flag, not a coordinate to be smooth along: with it in the
   * norm, the penalty caps how far D(s_abs) can fall below D on nearby expert pairs (docs/absorbing-states.md,
   * "Why the gradient penalty is not on by default"), and a policy is paid to end its episodes. DAC turns
   * it on (docs/dac.md).
   */
  readonly penaltyIgnoresIndicator?: boolean;
}

/** Statistics of one discriminator step, all finite when `skipped` is 0. */
export interface DiscStepStats {
  /** BCE loss (with smoothing) before the step. */
  readonly loss: number;
  /** Gradient-penalty term (already multiplied by λ); 0 when off. */
  readonly gradPenalty: number;
  /** Fraction of expert pairs with logit > 0. */
  readonly accExpert: number;
  /** Fraction of policy pairs with logit < 0. */
  readonly accPolicy: number;
  /** Mean D = σ(logit) on expert pairs. */
  readonly meanDExpert: number;
  /** Mean D on policy pairs. */
  readonly meanDPolicy: number;
  /** 1 when a non-finite loss, gradient or weight made the step be skipped (weights kept), else 0. */
  readonly skipped: number;
}

/** Rows of a PairSet at `idx` as a new PairSet (next observations too, when the set has them). */
export function takePairs(set: PairSet, idx: ArrayLike<number>): PairSet {
  const obs = new Float32Array(idx.length * set.obsDim);
  const acts = new Float32Array(idx.length * set.actDim);
  const next = set.next ? new Float32Array(idx.length * set.obsDim) : undefined;
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r]!;
    obs.set(set.obs.subarray(i * set.obsDim, (i + 1) * set.obsDim), r * set.obsDim);
    acts.set(set.acts.subarray(i * set.actDim, (i + 1) * set.actDim), r * set.actDim);
    if (next) next.set(set.next!.subarray(i * set.obsDim, (i + 1) * set.obsDim), r * set.obsDim);
  }
  return { ...set, n: idx.length, obs, acts, ...(next ? { next } : {}) };
}

/**
 * Binary cross-entropy with logits, `labelsExpertIsOne` with one-sided smoothing ε (expert target 1 − ε,
 * policy 0), the two sides weighted equally: ½(E_expert[softplus(z) − (1 − ε)z] + E_policy[softplus(z)]).
 * GAIL's and AIRL's discriminators share it. Call inside tf.tidy.
 */
export function adversarialBce(
  zExpert: tf.Tensor1D,
  zPolicy: tf.Tensor1D,
  labelSmoothing: number,
): tf.Scalar {
  const lossE = tf.mean(tf.sub(tf.softplus(zExpert), tf.mul(1 - labelSmoothing, zExpert)));
  const lossP = tf.mean(tf.softplus(zPolicy));
  return tf.mul(0.5, tf.add(lossE, lossP)) as tf.Scalar;
}

/** `size` rows drawn uniformly with replacement from the whole set (expert batches: DESIGN "GAIL"). */
export function samplePairs(set: PairSet, size: number, rng: Rng): PairSet {
  if (set.n === 0) throw new GailBridgeError('state', 'samplePairs: the pair set is empty');
  const idx = new Uint32Array(size);
  for (let i = 0; i < size; i++) idx[i] = rng.int(set.n);
  return takePairs(set, idx);
}

export class Discriminator implements AdversarialRewardModel {
  readonly obsDim: number;
  readonly actDim: number;
  readonly absorbing: boolean;
  readonly options: Required<DiscriminatorOptions>;
  /** Width of D's input: obsDim (+1 indicator) + actDim. */
  readonly inputDim: number;
  readonly mlp: Mlp;
  /** Running statistics of real [obs, act] pairs (obsDim + actDim). */
  readonly inputNorm: RunningNormalizer;
  private readonly adam: Adam;
  /** Spectral normalisation's singular-vector estimates per weight matrix: u (out_k) and v (in_k). */
  private readonly snU: tf.Variable[];
  private readonly snV: tf.Variable[];
  private disposed = false;

  /** `obsDim` is the raw observation width (without the absorbing indicator). */
  constructor(obsDim: number, actDim: number, absorbing: boolean, options: DiscriminatorOptions, rng: Rng) {
    this.obsDim = obsDim;
    this.actDim = actDim;
    this.absorbing = absorbing;
    this.options = {
      hiddenSizes: [...(options.hiddenSizes ?? GAIL_DEFAULTS.discHidden)],
      learningRate: options.learningRate ?? GAIL_DEFAULTS.discLr,
      gradientPenalty: options.gradientPenalty ?? GAIL_DEFAULTS.gradPenalty,
      spectralNorm: options.spectralNorm ?? GAIL_DEFAULTS.spectralNorm,
      labelSmoothing: options.labelSmoothing ?? GAIL_DEFAULTS.labelSmoothing,
      weightDecay: options.weightDecay ?? GAIL_DEFAULTS.weightDecay,
      penaltyIgnoresIndicator: options.penaltyIgnoresIndicator ?? false,
    };
    const o = this.options;
    for (const [name, v, lo, hi] of [
      ['learningRate', o.learningRate, 0, Number.POSITIVE_INFINITY],
      ['gradientPenalty', o.gradientPenalty, 0, Number.POSITIVE_INFINITY],
      ['labelSmoothing', o.labelSmoothing, 0, 0.5],
      ['weightDecay', o.weightDecay, 0, Number.POSITIVE_INFINITY],
    ] as const) {
      if (!(v >= lo && v <= hi))
        throw new GailBridgeError(
          'config',
          `discriminator ${name}: expected a value in [${lo}, ${hi}], got ${v}`,
        );
    }
    this.inputDim = obsDim + (absorbing ? 1 : 0) + actDim;
    this.mlp = new Mlp(
      {
        inputDim: this.inputDim,
        hiddenSizes: o.hiddenSizes,
        outputDim: 1,
        activation: 'tanh',
        outputGain: 1,
      },
      rng,
    );
    this.inputNorm = new RunningNormalizer(obsDim + actDim);
    this.adam = new Adam(this.mlp.variables);
    this.snU = [];
    this.snV = [];
    for (let k = 0; k < this.mlp.numLayers; k++) {
      const w = this.mlp.variables[2 * k]!;
      const u0 = Float32Array.from({ length: w.shape[1]! }, () => rng.normal());
      this.snU.push(tf.variable(tf.tensor1d(normalise(u0)), false));
      this.snV.push(tf.variable(tf.zeros([w.shape[0]!]), false));
    }
    if (this.options.spectralNorm) this.powerIterate();
  }

  /**
   * D's input rows for `pairs` (raw obs rows, with the indicator column when `pairs.absorbing`):
   * n × inputDim = [normObs · (1 − ind), ind, normAct · (1 − ind)].
   */
  features(pairs: PairSet): Float32Array {
    this.assertLive();
    const { n, actDim } = pairs;
    const hasInd = pairs.absorbing;
    const rawDim = pairs.obsDim - (hasInd ? 1 : 0);
    if (rawDim !== this.obsDim || actDim !== this.actDim || hasInd !== this.absorbing)
      throw new GailBridgeError(
        'shape',
        `discriminator: pairs have obs/act ${rawDim}/${actDim} (absorbing ${hasInd}), ` +
          `D was built for ${this.obsDim}/${this.actDim} (absorbing ${this.absorbing})`,
      );
    const joint = new Float32Array(n * (this.obsDim + actDim));
    for (let r = 0; r < n; r++) {
      joint.set(pairs.obs.subarray(r * pairs.obsDim, r * pairs.obsDim + rawDim), r * (rawDim + actDim));
      joint.set(pairs.acts.subarray(r * actDim, (r + 1) * actDim), r * (rawDim + actDim) + rawDim);
    }
    const z = this.inputNorm.normalize(joint, n);
    const out = new Float32Array(n * this.inputDim);
    const d = this.inputDim;
    for (let r = 0; r < n; r++) {
      const ind = hasInd ? pairs.obs[r * pairs.obsDim + rawDim]! : 0;
      // Absorbing rows keep their zero-initialised features.
      if (ind === 1) {
        out[r * d + rawDim] = 1;
        continue;
      }
      for (let j = 0; j < rawDim; j++) out[r * d + j] = z[r * (rawDim + actDim) + j]!;
      const a0 = rawDim + (hasInd ? 1 : 0);
      for (let j = 0; j < actDim; j++) out[r * d + a0 + j] = z[r * (rawDim + actDim) + rawDim + j]!;
    }
    return out;
  }

  /** Adds the real (non-absorbing) rows of `pairs` to the input statistics. */
  observe(pairs: PairSet): void {
    const rawDim = pairs.obsDim - (pairs.absorbing ? 1 : 0);
    const joint: number[] = [];
    let rows = 0;
    for (let r = 0; r < pairs.n; r++) {
      if (pairs.absorbing && pairs.obs[r * pairs.obsDim + rawDim] === 1) continue;
      for (let j = 0; j < rawDim; j++) joint.push(pairs.obs[r * pairs.obsDim + j]!);
      for (let j = 0; j < pairs.actDim; j++) joint.push(pairs.acts[r * pairs.actDim + j]!);
      rows++;
    }
    this.inputNorm.update(joint, rows);
  }

  /**
   * The weight matrices used in the forward pass: W_k, or W_k / σ_k with spectral normalisation, where
   * σ_k = vᵀ W_k u from the stored power-iteration vectors (constants; the gradient flows through σ's
   * dependence on W, as in Miyato et al. 2018, Alg. 1: `gradients` applies that chain rule). σ_k is undefined
   * without spectral normalisation. Call inside tf.tidy.
   */
  private weights(): { w: tf.Tensor2D; sigma?: tf.Scalar }[] {
    const out: { w: tf.Tensor2D; sigma?: tf.Scalar }[] = [];
    for (let k = 0; k < this.mlp.numLayers; k++) {
      const w = this.mlp.variables[2 * k] as tf.Tensor2D;
      if (!this.options.spectralNorm) {
        out.push({ w });
        continue;
      }
      // σ = vᵀ W u with u, v held constant (non-trainable variables).
      const wu = tf.matMul(w, tf.reshape(this.snU[k]!, [-1, 1]));
      const sigma = tf.sum(tf.mul(tf.reshape(this.snV[k]!, [-1, 1]), wu)) as tf.Scalar;
      out.push({ w: tf.div(w, sigma) as tf.Tensor2D, sigma });
    }
    return out;
  }

  /** One power iteration per weight matrix: v ← normalise(W u), u ← normalise(Wᵀ v). */
  private powerIterate(): void {
    tf.tidy(() => {
      for (let k = 0; k < this.mlp.numLayers; k++) {
        const w = this.mlp.variables[2 * k] as tf.Tensor2D;
        const wu = tf.squeeze(tf.matMul(w, tf.reshape(this.snU[k]!, [-1, 1])), [1]);
        const v = tf.div(wu, tf.add(tf.norm(wu), 1e-12)) as tf.Tensor1D;
        this.snV[k]!.assign(v);
        const wtv = tf.squeeze(tf.matMul(tf.reshape(v, [1, -1]), w), [0]);
        this.snU[k]!.assign(tf.div(wtv, tf.add(tf.norm(wtv), 1e-12)) as tf.Tensor1D);
      }
    });
  }

  /** σ_k = vᵀ W_k u per layer, from the current power-iteration vectors (diagnostics and tests). */
  spectralEstimates(): number[] {
    return tf.tidy(() =>
      this.mlp.variables
        .filter((_, i) => i % 2 === 0)
        .map((w, k) => {
          const wu = tf.matMul(w as tf.Tensor2D, tf.reshape(this.snU[k]!, [-1, 1]));
          return tf.sum(tf.mul(tf.reshape(this.snV[k]!, [-1, 1]), wu)).dataSync()[0]!;
        }),
    );
  }

  /** The matrices the forward pass uses (W_k / σ_k with spectral normalisation), as plain arrays. */
  effectiveWeights(): { shape: [number, number]; data: Float32Array }[] {
    return tf.tidy(() =>
      this.weights().map(({ w }) => ({
        shape: [w.shape[0], w.shape[1]] as [number, number],
        data: w.dataSync() as Float32Array,
      })),
    );
  }

  /**
   * The forward pass on input rows x (n × inputDim) with the matrices `ws` (from `weights()`): each hidden
   * layer's output h_k = tanh(h_{k−1} Ŵ_k + b_k) (as 2σ(2·) − 1, `tanhViaSigmoid`) and the logits
   * z = h_{L−1} Ŵ_L + b_L (n × 1). Call inside tf.tidy.
   */
  private forward(x: tf.Tensor2D, ws: readonly { w: tf.Tensor2D }[]): { hs: tf.Tensor2D[]; z: tf.Tensor2D } {
    const hs: tf.Tensor2D[] = [];
    let h = x;
    const last = this.mlp.numLayers - 1;
    for (let k = 0; k < last; k++) {
      h = tanhViaSigmoid(tf.add(tf.matMul(h, ws[k]!.w), this.mlp.variables[2 * k + 1]!));
      hs.push(h);
    }
    const z = tf.add(tf.matMul(h, ws[last]!.w), this.mlp.variables[2 * last + 1]!) as tf.Tensor2D;
    return { hs, z };
  }

  /**
   * ∂z/∂x at input rows x (m × inputDim) in closed form for the tanh MLP (the chain rule from the output
   * back): δ_{L−1} = Ŵ_Lᵀ, γ_k = δ_k ⊙ s_k, δ_{k−1} = γ_k Ŵ_kᵀ, ∂z/∂x = δ_{−1}, where s_k = 1 − h_k² (m × h_k)
   * at those rows. Returns every γ_k for the penalty's gradient, and ∂z/∂x, one row for all when D has no
   * hidden layer (D is then linear). `wT[k]` is Ŵ_kᵀ. Call inside tf.tidy.
   */
  private inputGradient(
    ss: readonly tf.Tensor2D[],
    ws: readonly { w: tf.Tensor2D }[],
    wT: readonly tf.Tensor2D[],
  ): { gammas: tf.Tensor2D[]; g: tf.Tensor2D } {
    const last = this.mlp.numLayers - 1;
    const gammas: tf.Tensor2D[] = new Array(last);
    let delta = tf.reshape(ws[last]!.w, [1, -1]) as tf.Tensor2D;
    for (let k = last - 1; k >= 0; k--) {
      gammas[k] = tf.mul(delta, ss[k]!) as tf.Tensor2D;
      // Ŵ_kᵀ is an explicit transpose: wasm's transposed-operand matMul is ~13× slower (mlp.ts).
      delta = tf.matMul(gammas[k]!, wT[k]!);
    }
    return { gammas, g: delta };
  }

  /** The rollout's (s, a) pairs as the collector wrapped them. */
  policyPairs(rollout: Rollout): PairSet {
    return rollout.policyPairs;
  }

  /** Logits of every step (s, a) of the rollout, T·N (the indicator 0: steps are real states). */
  stepLogits(rollout: Rollout): Float32Array {
    const b = rollout.batch;
    return this.logits({
      n: b.numSteps * b.numEnvs,
      obsDim: b.obsDim + (this.absorbing ? 1 : 0),
      actDim: b.actDim,
      absorbing: this.absorbing,
      obs: this.absorbing ? withIndicator(b.obs, b.obsDim) : b.obs,
      acts: b.actions,
    });
  }

  /** Logits for `pairs` (no state change). */
  logits(pairs: PairSet): Float32Array {
    const feats = this.features(pairs);
    return tf
      .tidy(() => {
        const x = tf.tensor2d(feats, [pairs.n, this.inputDim]);
        return this.forward(x, this.weights()).z.dataSync() as Float32Array;
      })
      .slice();
  }

  /** The logit of the absorbing pair (zeros with indicator 1, zero action); requires absorbing on. */
  absorbingLogit(): number {
    if (!this.absorbing)
      throw new GailBridgeError('state', 'absorbingLogit: D was built without absorbing states');
    const obs = new Float32Array(this.obsDim + 1);
    obs[this.obsDim] = 1;
    return this.logits({
      n: 1,
      obsDim: this.obsDim + 1,
      actDim: this.actDim,
      absorbing: true,
      obs,
      acts: new Float32Array(this.actDim),
    })[0]!;
  }

  /**
   * The gradient penalty term λ·mean((‖∂z/∂x̂‖₂ − 1)²) at the given input rows (n × inputDim, already
   * normalised). For tests and diagnostics; the training step computes it on interpolates.
   */
  penaltyAt(x: Float32Array, n: number): number {
    const g = tf.tidy(() => {
      const ws = this.weights();
      const { hs } = this.forward(tf.tensor2d(x, [n, this.inputDim]), ws);
      const ss = hs.map((h) => tf.sub(1, tf.square(h)) as tf.Tensor2D);
      return this.inputGradient(ss, ws, transposes(ws)).g.dataSync() as Float32Array;
    });
    return this.penaltyHead(g, n).penalty;
  }

  /**
   * The penalty P = λ/m Σ_r (‖M g_r‖ − 1)² from the input gradients g (m × inputDim, or one row shared by
   * all m) and its gradient c = ∂P/∂g, c_r = (2λ/m)(‖M g_r‖ − 1) M g_r / ‖M g_r‖ (Gulrajani et al. 2017,
   * eq. 3), where M drops the absorbing indicator when `penaltyIgnoresIndicator` is on and ‖·‖ =
   * √(Σ · + 1e-12). In float64, on m × inputDim numbers.
   */
  private penaltyHead(g: Float32Array, m: number): { penalty: number; c: Float32Array } {
    const d = this.inputDim;
    const lambda = this.options.gradientPenalty;
    const skip = this.absorbing && this.options.penaltyIgnoresIndicator ? this.obsDim : -1;
    const shared = g.length === d;
    const c = new Float32Array(m * d);
    let sum = 0;
    for (let r = 0; r < m; r++) {
      const o = shared ? 0 : r * d;
      let sq = 0;
      for (let j = 0; j < d; j++) if (j !== skip) sq += g[o + j]! * g[o + j]!;
      const norm = Math.sqrt(sq + 1e-12);
      sum += (norm - 1) ** 2;
      const coef = ((2 * lambda) / m) * ((norm - 1) / norm);
      for (let j = 0; j < d; j++) if (j !== skip) c[r * d + j] = coef * g[o + j]!;
    }
    return { penalty: (lambda * sum) / m, c };
  }

  /**
   * One Adam step on a batch of expert and a batch of policy pairs (D sees them as given; draw them with
   * `samplePairs`). Interpolates for the penalty pair expert row i with policy row i. A non-finite loss
   * or gradient skips the step and keeps the previous weights (Adam's step from finite gradients keeps
   * finite weights finite: each weight moves by at most ~lr·(1 − β1)/√(1 − β2)).
   *
   * The loss L = BCE + λ·mean(‖∂z/∂x̂‖ − 1)² + wd·Σ‖W_k‖² and its gradient are written out, without a
   * gradient tape: one forward pass over the expert, policy and interpolate rows; the BCE's and the
   * penalty's derivatives with respect to the logits and the input gradients on their few numbers here in
   * JavaScript (`penaltyHead`); then one backward pass that carries both (`gradients`). Tested against the
   * tape (test/gail/discriminator.test.ts).
   */
  step(expert: PairSet, policy: PairSet, rng: Rng): DiscStepStats {
    this.assertLive();
    const nE = expert.n;
    const nP = policy.n;
    if (nE === 0 || nP === 0)
      throw new GailBridgeError(
        'state',
        `discriminator step: needs expert and policy pairs, got ${nE} and ${nP}`,
      );
    if (this.options.spectralNorm) this.powerIterate();
    const xE = this.features(expert);
    const xP = this.features(policy);
    const d = this.inputDim;
    const m = this.options.gradientPenalty > 0 ? Math.min(nE, nP) : 0;
    // Rows: expert, policy, then the interpolates x̂ = u·x_E + (1 − u)·x_P, u ~ U(0, 1) per row.
    const x = new Float32Array((nE + nP + m) * d);
    x.set(xE, 0);
    x.set(xP, nE * d);
    for (let r = 0; r < m; r++) {
      const u = rng.next();
      const o = (nE + nP + r) * d;
      for (let j = 0; j < d; j++) x[o + j] = u * xE[r * d + j]! + (1 - u) * xP[r * d + j]!;
    }
    return tf.tidy(() => {
      const { stats, grads } = this.gradients(x, nE, nP, m);
      const taken = grads !== undefined && this.adam.step(grads, this.options.learningRate) !== undefined;
      return { ...stats, skipped: taken ? 0 : 1 };
    });
  }

  /**
   * D's loss on rows x = [expert (nE); policy (nP); interpolates (m)] (each inputDim wide, normalised) and
   * its gradient with respect to every variable, in `mlp.variables` order; `grads` is undefined when the
   * loss is not finite. With h_k the hidden outputs, s_k = 1 − h_k², Ŵ_k the matrices the pass uses and z
   * the logits:
   *
   *   BCE:      ∂L/∂z_r = ½(σ(z_r) − (1 − ε))/nE (expert), ½σ(z_r)/nP (policy), 0 (interpolates)
   *   penalty:  g = ∂z/∂x̂ = δ_{−1} (`inputGradient`), c = ∂P/∂g (`penaltyHead`); then, from k = 0 up,
   *             with ē_{−1} = c:  ∂P/∂Ŵ_k += ē_{k−1}ᵀ γ_k,  φ_k = ē_{k−1} Ŵ_k,  ē_k = φ_k ⊙ s_k,
   *             ρ_k = ∂P/∂a_k through s_k = −2 h_k ⊙ φ_k ⊙ γ_k,  and ∂P/∂Ŵ_L += Σ_rows ē_{L−1}ᵀ
   *   backward: A_L = ∂L/∂z; ∂L/∂Ŵ_k += h_{k−1}ᵀ A_k, ∂L/∂b_k = Σ_rows A_k,
   *             A_{k−1} = (A_k Ŵ_kᵀ) ⊙ s_{k−1} + ρ_{k−1} (ρ on the interpolate rows only)
   *
   * This is the double backpropagation of the penalty (Drucker & Le Cun 1992; the exact gradient a tape
   * gives through the input gradient), written for the tanh MLP. Then spectral normalisation's chain
   * rule, ∂L/∂W = (∂L/∂Ŵ − ⟨∂L/∂Ŵ, Ŵ⟩ v uᵀ)/σ (Ŵ = W/σ, σ = vᵀWu), and weight decay's 2·wd·W. Call
   * inside tf.tidy.
   */
  private gradients(
    x: Float32Array,
    nE: number,
    nP: number,
    m: number,
  ): { stats: Omit<DiscStepStats, 'skipped'>; grads: tf.Tensor[] | undefined } {
    const d = this.inputDim;
    const B = nE + nP;
    const N = B + m;
    const last = this.mlp.numLayers - 1;
    const ws = this.weights();
    const wT = transposes(ws);
    const xt = tf.tensor2d(x, [N, d]);
    const { hs, z } = this.forward(xt, ws);
    const ss = hs.map((h) => tf.sub(1, tf.square(h)) as tf.Tensor2D);

    // BCE (adversarialBce's loss) and its derivative with respect to the logits, on B numbers.
    const zs = z.dataSync() as Float32Array;
    const eps = this.options.labelSmoothing;
    const dz = new Float32Array(N);
    let lossE = 0;
    let lossP = 0;
    let accE = 0;
    let accP = 0;
    let sumDE = 0;
    let sumDP = 0;
    for (let r = 0; r < B; r++) {
      const zr = zs[r]!;
      const sig = sigmoid(zr);
      if (r < nE) {
        lossE += softplus(zr) - (1 - eps) * zr;
        dz[r] = (0.5 * (sig - (1 - eps))) / nE;
        if (zr > 0) accE++;
        sumDE += sig;
      } else {
        lossP += softplus(zr);
        dz[r] = (0.5 * sig) / nP;
        if (zr < 0) accP++;
        sumDP += sig;
      }
    }
    const bce = 0.5 * (lossE / nE + lossP / nP);

    // The penalty's own gradient: ∂P/∂Ŵ_k (extra terms) and ρ_k on the interpolate rows.
    const penW: tf.Tensor2D[] = [];
    const rho: tf.Tensor2D[] = [];
    let penalty = 0;
    if (m > 0) {
      const hp = hs.map((h) => tf.slice(h, [B, 0], [m, -1]));
      const sp = ss.map((s) => tf.slice(s, [B, 0], [m, -1]));
      const { gammas, g } = this.inputGradient(sp, ws, wT);
      const head = this.penaltyHead(g.dataSync() as Float32Array, m);
      penalty = head.penalty;
      let ebar = tf.tensor2d(head.c, [m, d]);
      for (let k = 0; k < last; k++) {
        penW[k] = crossProduct(ebar, gammas[k]!);
        const phi = tf.matMul(ebar, ws[k]!.w);
        rho[k] = tf.mul(tf.mul(hp[k]!, tf.mul(phi, gammas[k]!)), -2);
        ebar = tf.mul(phi, sp[k]!);
      }
      penW[last] = tf.reshape(tf.sum(ebar, 0), [-1, 1]);
    }

    let wdLoss = 0;
    const wd = this.options.weightDecay;
    if (wd > 0)
      for (let k = 0; k <= last; k++)
        wdLoss += wd * tf.sum(tf.square(this.mlp.variables[2 * k]!)).dataSync()[0]!;
    const stats = {
      loss: bce,
      gradPenalty: penalty,
      accExpert: accE / nE,
      accPolicy: accP / nP,
      meanDExpert: sumDE / nE,
      meanDPolicy: sumDP / nP,
    };
    if (!Number.isFinite(bce + penalty + wdLoss)) return { stats, grads: undefined };

    const grads: tf.Tensor[] = new Array(2 * (last + 1));
    let A = tf.tensor2d(dz, [N, 1]);
    for (let k = last; k >= 0; k--) {
      const hIn = k === 0 ? xt : hs[k - 1]!;
      let gW = crossProduct(hIn, A);
      if (penW[k]) gW = tf.add(gW, penW[k]!);
      const { w: wHat, sigma } = ws[k]!;
      if (sigma) {
        // v uᵀ by broadcasting, not matMul: u is a matMul operand as a column in `weights` (`transposes`).
        const outer = tf.mul(tf.reshape(this.snV[k]!, [-1, 1]), tf.reshape(this.snU[k]!, [1, -1]));
        gW = tf.div(tf.sub(gW, tf.mul(tf.sum(tf.mul(gW, wHat)), outer)), sigma);
      }
      if (wd > 0) gW = tf.add(gW, tf.mul(2 * wd, this.mlp.variables[2 * k]!));
      grads[2 * k] = gW;
      grads[2 * k + 1] = tf.sum(A, 0);
      if (k === 0) break;
      A = tf.mul(tf.matMul(A, wT[k]!), ss[k - 1]!) as tf.Tensor2D;
      if (m > 0)
        A = tf.add(
          A,
          tf.pad(rho[k - 1]!, [
            [B, 0],
            [0, 0],
          ]),
        ) as tf.Tensor2D;
    }
    return { stats, grads };
  }

  /**
   * The loss's statistics and its gradient (one array per variable, `mlp.variables` order; undefined when
   * the loss is not finite) at input rows x = [expert (nE); policy (nP); interpolates (m)], as `step`
   * computes them, without a step. For tests.
   */
  lossGradients(
    x: Float32Array,
    nE: number,
    nP: number,
    m: number,
  ): { stats: Omit<DiscStepStats, 'skipped'>; grads: Float32Array[] | undefined } {
    this.assertLive();
    return tf.tidy(() => {
      const { stats, grads } = this.gradients(x, nE, nP, m);
      return { stats, grads: grads?.map((g) => (g.dataSync() as Float32Array).slice()) };
    });
  }

  /** Weights, spectral-norm vectors, input statistics and Adam state, under `prefix`. */
  toArrays(prefix: string): NamedArrays {
    this.assertLive();
    const out: Record<string, ReturnType<typeof namedArray>> = {
      ...this.mlp.toArrays(`${prefix}/mlp`),
      ...this.inputNorm.toArrays(`${prefix}/norm`),
      ...this.adam.toArrays(`${prefix}/adam`),
    };
    this.snU.forEach((u, k) => {
      out[`${prefix}/sn/${k}/u`] = namedArray(u.shape, u.dataSync());
      out[`${prefix}/sn/${k}/v`] = namedArray(this.snV[k]!.shape, this.snV[k]!.dataSync());
    });
    return out;
  }

  /** Restores everything `toArrays` saved, checking shapes. */
  loadArrays(arrays: NamedArrays, prefix: string): void {
    this.assertLive();
    this.mlp.loadArrays(arrays, `${prefix}/mlp`);
    this.inputNorm.loadArrays(arrays, `${prefix}/norm`);
    this.adam.loadArrays(arrays, `${prefix}/adam`);
    this.snU.forEach((u, k) => {
      const v = this.snV[k]!;
      const ud = takeArray(arrays, `${prefix}/sn/${k}/u`, u.shape, 'discriminator spectral norm');
      const vd = takeArray(arrays, `${prefix}/sn/${k}/v`, v.shape, 'discriminator spectral norm');
      tf.tidy(() => {
        u.assign(tf.tensor1d(ud));
        v.assign(tf.tensor1d(vd));
      });
    });
  }

  /** Frees weights, optimiser moments and spectral-norm vectors. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.mlp.dispose();
    this.adam.dispose();
    for (const x of [...this.snU, ...this.snV]) x.dispose();
  }

  private assertLive(): void {
    if (this.disposed)
      throw new GailBridgeError('state', 'Discriminator: used after dispose(); build a new one');
  }
}

/**
 * aᵀ·b for row-aligned a (N × p) and b (N × q), with the narrower of the two as matMul's right operand:
 * wasm packs a right operand afresh for every new tensor (~4 ns an element, as much as the multiply at
 * these sizes), so (bᵀa)ᵀ is the cheaper order when p < q (D's first layer: 15 inputs, 100 units).
 * Call inside tf.tidy.
 */
function crossProduct(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (a.shape[1] < b.shape[1]) return tf.transpose(tf.matMul(tf.transpose(b), a));
  return tf.matMul(tf.transpose(a), b);
}

/**
 * Ŵ_kᵀ for every layer. A transpose even for the output layer's column, never a reshape of it: wasm's
 * matMul caches its packed right operand by tensor data, so a reshape of Ŵ_L (the same data, another
 * shape) as a right operand after Ŵ_L itself silently multiplies by the stale packing (tfjs 4.22).
 * Call inside tf.tidy.
 */
function transposes(ws: readonly { w: tf.Tensor2D }[]): tf.Tensor2D[] {
  return ws.map(({ w }) => tf.transpose(w));
}

/** σ(z) = 1/(1 + e^{−z}) without overflow. */
function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** softplus(z) = log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

function normalise(x: Float32Array): Float32Array {
  let s = 0;
  for (const v of x) s += v * v;
  const n = Math.sqrt(s) || 1;
  return x.map((v) => v / n);
}
