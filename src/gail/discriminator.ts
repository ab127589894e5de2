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
import { dense, Mlp, matMulPlain } from '../learn/mlp.js';
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
   * σ_k = uᵀ W_k v from the stored power-iteration vectors (constants; the gradient flows through σ's
   * dependence on W, as in Miyato et al. 2018, Alg. 1). Call inside tf.tidy.
   */
  private weights(): tf.Tensor2D[] {
    const ws: tf.Tensor2D[] = [];
    for (let k = 0; k < this.mlp.numLayers; k++) {
      const w = this.mlp.variables[2 * k] as tf.Tensor2D;
      if (!this.options.spectralNorm) {
        ws.push(w);
        continue;
      }
      // σ = vᵀ W u with u, v held constant (non-trainable variables, so no gradient reaches them).
      const wu = tf.matMul(w, tf.reshape(this.snU[k]!, [-1, 1]));
      const sigma = tf.sum(tf.mul(tf.reshape(this.snV[k]!, [-1, 1]), wu));
      ws.push(tf.div(w, sigma) as tf.Tensor2D);
    }
    return ws;
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
      this.weights().map((w) => ({
        shape: [w.shape[0], w.shape[1]] as [number, number],
        data: w.dataSync() as Float32Array,
      })),
    );
  }

  /**
   * Logits (n) and, when `withInputGrad`, ∂logit/∂x (n × inputDim), computed in closed form for the
   * tanh MLP (g_L = w_L; g_k = (g_{k+1} ⊙ (1 − h_k²)) W_kᵀ) so the penalty needs only first-order
   * autodiff. Call inside tf.tidy.
   */
  private forward(x: tf.Tensor2D, withInputGrad: boolean): { logits: tf.Tensor1D; inputGrad?: tf.Tensor2D } {
    const ws = this.weights();
    const hs: tf.Tensor2D[] = [];
    let h = x;
    const last = this.mlp.numLayers - 1;
    for (let k = 0; k <= last; k++) {
      const z = dense(h, ws[k]!, this.mlp.variables[2 * k + 1] as tf.Tensor1D);
      if (k === last) h = z;
      else {
        h = tf.tanh(z);
        hs.push(h);
      }
    }
    const logits = tf.squeeze(h, [1]) as tf.Tensor1D;
    if (!withInputGrad) return { logits };
    // Row vector of the output layer's weights, broadcast over the batch.
    let g: tf.Tensor2D = tf.reshape(ws[last]!, [1, -1]);
    for (let k = last - 1; k >= 0; k--) {
      g = tf.mul(g, tf.sub(1, tf.square(hs[k]!))) as tf.Tensor2D;
      // g · W_kᵀ with the transpose explicit: wasm's transposed-operand matMul is ~13× slower (mlp.ts).
      g = matMulPlain(g, tf.transpose(ws[k]!));
    }
    if (g.shape[0] !== x.shape[0]) g = tf.tile(g, [x.shape[0], 1]);
    return { logits, inputGrad: g };
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
        return this.forward(x, false).logits.dataSync() as Float32Array;
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
    return tf.tidy(() => this.penalty(tf.tensor2d(x, [n, this.inputDim])).dataSync()[0]!);
  }

  private penalty(xHat: tf.Tensor2D): tf.Scalar {
    const { inputGrad } = this.forward(xHat, true);
    let g = inputGrad!;
    if (this.absorbing && this.options.penaltyIgnoresIndicator) {
      const mask = new Float32Array(this.inputDim).fill(1);
      mask[this.obsDim] = 0;
      g = tf.mul(g, tf.tensor1d(mask)) as tf.Tensor2D;
    }
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(g), 1), 1e-12));
    return tf.mul(this.options.gradientPenalty, tf.mean(tf.square(tf.sub(norm, 1)))) as tf.Scalar;
  }

  /**
   * One Adam step on a batch of expert and a batch of policy pairs (D sees them as given; draw them with
   * `samplePairs`). Interpolates for the penalty pair expert row i with policy row i. A non-finite loss,
   * gradient or resulting weight skips the step and keeps the previous weights.
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
    const gp = this.options.gradientPenalty;
    let xHat: Float32Array | undefined;
    const m = Math.min(nE, nP);
    if (gp > 0) {
      xHat = new Float32Array(m * d);
      for (let r = 0; r < m; r++) {
        const u = rng.next();
        for (let j = 0; j < d; j++) xHat[r * d + j] = u * xE[r * d + j]! + (1 - u) * xP[r * d + j]!;
      }
    }
    const eps = this.options.labelSmoothing;
    const vars = this.mlp.variables;
    const saved = tf.tidy(() => vars.map((v) => tf.clone(v)));
    const result = tf.tidy(() => {
      const tE = tf.tensor2d(xE, [nE, d]);
      const tP = tf.tensor2d(xP, [nP, d]);
      let parts: { bce: tf.Scalar; pen: tf.Scalar; zE: tf.Tensor1D; zP: tf.Tensor1D } | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const zE = this.forward(tE, false).logits;
        const zP = this.forward(tP, false).logits;
        const bce = adversarialBce(zE, zP, eps);
        const pen = xHat ? this.penalty(tf.tensor2d(xHat, [m, d])) : tf.scalar(0);
        let total = tf.add(bce, pen) as tf.Scalar;
        if (this.options.weightDecay > 0) {
          const l2 = tf.addN(vars.filter((_, i) => i % 2 === 0).map((w) => tf.sum(tf.square(w))));
          total = tf.add(total, tf.mul(this.options.weightDecay, l2)) as tf.Scalar;
        }
        // Kept past variableGrads' own scope for the statistics below; disposed there.
        parts = { bce: tf.keep(bce), pen: tf.keep(pen), zE: tf.keep(zE), zP: tf.keep(zP) };
        return total;
      }, [...vars]);
      const gradList = vars.map((v) => grads[v.name]!);
      const gradNorm = tf.sqrt(tf.addN(gradList.map((g) => tf.sum(tf.square(g)))));
      const p = parts!;
      const dE = tf.sigmoid(p.zE);
      const dP = tf.sigmoid(p.zP);
      const stats = tf.stack([
        value,
        p.bce,
        p.pen,
        gradNorm,
        tf.mean(tf.cast(tf.greater(p.zE, 0), 'float32')),
        tf.mean(tf.cast(tf.less(p.zP, 0), 'float32')),
        tf.mean(dE),
        tf.mean(dP),
      ]);
      const [total, bce, pen, norm, accE, accP, mE, mP] = Array.from(stats.dataSync());
      for (const t of [p.bce, p.pen, p.zE, p.zP]) t.dispose();
      const finite = [total, norm].every((x) => Number.isFinite(x!));
      if (finite) this.adam.apply(gradList, this.options.learningRate);
      return { finite, bce: bce!, pen: pen!, accE: accE!, accP: accP!, mE: mE!, mP: mP! };
    });
    let skipped = result.finite ? 0 : 1;
    if (result.finite) {
      const sum = tf.tidy(() => tf.addN(vars.map((v) => tf.sum(v))).dataSync()[0]!);
      if (!Number.isFinite(sum)) {
        skipped = 1;
        vars.forEach((v, i) => {
          v.assign(saved[i]!);
        });
      }
    }
    for (const s of saved) s.dispose();
    return {
      loss: result.bce,
      gradPenalty: result.pen,
      accExpert: result.accE,
      accPolicy: result.accP,
      meanDExpert: result.mE,
      meanDPolicy: result.mP,
      skipped,
    };
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

function normalise(x: Float32Array): Float32Array {
  let s = 0;
  for (const v of x) s += v * v;
  const n = Math.sqrt(s) || 1;
  return x.map((v) => v / n);
}
