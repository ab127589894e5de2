/**
 * AIRL's discriminator (Fu, Luo & Levine 2018, "Learning Robust Rewards with Adversarial Inverse
 * Reinforcement Learning", Sec. 5, Eq. 3–4), state-only reward as in their transfer experiments:
 *
 *   f(s, a, s′) = g(s) + γ h(s′) − h(s)            g: the disentangled reward, h: a shaping potential
 *   D(s, a, s′) = exp f / (exp f + π(a|s))
 *   logit z     = log D − log(1 − D) = f(s, a, s′) − log π(a|s)     (`logitsExpertIsHigh`)
 *
 * trained with GAIL's binary cross-entropy on logits (`adversarialBce`, `labelsExpertIsOne`), expert
 * transitions against the policy's; the policy's reward is z itself (rewards.ts kind `logit`), which is
 * f plus the policy's entropy term −log π (the paper's entropy-regularised objective). log π comes from
 * the current policy for both sides (`logProbOf`); the rollout's own log-probabilities are those of the
 * same weights, since D steps before the policy does.
 *
 * g and h are tanh MLPs on the normalised state only, so g cannot depend on the action (Sec. 5:
 * state-only rewards are what makes the recovered reward robust to a change of dynamics). With absorbing
 * states (Kostrikov et al. 2019) their input carries the indicator and s_abs is one fixed point (all-zero
 * features, indicator 1), as in GAIL's discriminator; the absorbing state has a single action, so
 * π(a_abs|s_abs) = 1 and log π = 0 there. g(s_abs) is then the learned reward for having ended, and
 * `expert --reward` prices a terminated episode at g(s_abs)/(1 − γ) (docs/airl.md).
 *
 * Optional gradient penalty on f (WGAN-GP, Gulrajani et al. 2017, as GAIL's D and DAC use it):
 * λ·E[(‖∂f/∂(x̂, x̂′)‖₂ − 1)²] at states interpolated between expert row i and policy row i (s and s′ with
 * the same mixing weight). It is on f alone: −log π is the policy's and has no weights of D's. Taped
 * (tf.grads inside tf.variableGrads: double backprop by the tape), so it costs about two more passes.
 *
 * Owns g, h, the state normaliser and the Adam state: `dispose()` frees them and is idempotent.
 */
import * as tf from '@tensorflow/tfjs';
import { GailBridgeError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { Adam } from '../learn/adam.js';
import { Mlp } from '../learn/mlp.js';
import type { NamedArrays } from '../learn/named-arrays.js';
import { RunningNormalizer } from '../learn/normalizer.js';
import type { Rollout } from '../streams/collector.js';
import type { PairSet } from '../streams/pairs.js';
import { absorbingPairsOf, rolloutTransitions } from '../streams/transitions.js';
import { adversarialBce, type DiscStepStats } from './discriminator.js';
import type { AdversarialRewardModel } from './trainer.js';

/** log π(a|s) of n actions in n raw observations (no absorbing indicator): `GaussianPolicy.logProbOf`. */
export type LogProbFn = (obs: Float32Array, actions: Float32Array, n: number) => Float32Array;

/** Architecture and training options of AIRL's discriminator. */
export interface AirlOptions {
  /** Hidden widths of g and of h (tanh); default [100, 100], as GAIL's D. */
  readonly hiddenSizes: readonly number[];
  /** Adam learning rate; default 1e-3. */
  readonly learningRate: number;
  /** γ of the shaping term γ h(s′); must be the policy learner's discount. */
  readonly gamma: number;
  /** One-sided label smoothing ε (expert target 1 − ε); default 0. */
  readonly labelSmoothing: number;
  /** L2 coefficient on the weight matrices of g and h; default 0. */
  readonly weightDecay: number;
  /**
   * α of the policy's reward f − α log π (`stepLogits`); default 1, the paper's log D − log(1 − D).
   * α < 1 weakens the entropy bonus −log π that the policy otherwise gets (0: f alone). D itself always
   * trains on the full logit f − log π.
   */
  readonly entropyWeight?: number;
  /** WGAN-GP coefficient λ on f's input gradient; default 0 (off); 10 is GAIL's and DAC's value. */
  readonly gradientPenalty?: number;
}

/** The parts of f for n transitions, for tests and diagnostics. */
export interface AirlTerms {
  readonly g: Float32Array;
  readonly hNext: Float32Array;
  readonly h: Float32Array;
  readonly logPi: Float32Array;
  /** g + γ hNext − h − logPi. */
  readonly logits: Float32Array;
}

export class AirlDiscriminator implements AdversarialRewardModel {
  readonly obsDim: number;
  readonly actDim: number;
  readonly absorbing: boolean;
  readonly options: AirlOptions;
  /** Width of g's and h's input: obsDim (+1 indicator). */
  readonly inputDim: number;
  /** The reward g(s): n × inputDim → n × 1. */
  readonly g: Mlp;
  /** The shaping potential h(s). */
  readonly h: Mlp;
  /** Running statistics of real states (obsDim). */
  readonly stateNorm: RunningNormalizer;
  private readonly adam: Adam;
  private readonly logProb: LogProbFn;
  private disposed = false;

  /** `obsDim` is the raw observation width (without the absorbing indicator). */
  constructor(
    obsDim: number,
    actDim: number,
    absorbing: boolean,
    options: AirlOptions,
    logProb: LogProbFn,
    rng: Rng,
  ) {
    for (const [name, v, lo, hi] of [
      ['learningRate', options.learningRate, Number.MIN_VALUE, Number.POSITIVE_INFINITY],
      ['gamma', options.gamma, 0, 1 - Number.EPSILON],
      ['labelSmoothing', options.labelSmoothing, 0, 0.5],
      ['weightDecay', options.weightDecay, 0, Number.POSITIVE_INFINITY],
      ['entropyWeight', options.entropyWeight ?? 1, 0, 1],
      ['gradientPenalty', options.gradientPenalty ?? 0, 0, Number.POSITIVE_INFINITY],
    ] as const) {
      if (!(v >= lo && v <= hi))
        throw new GailBridgeError(
          'config',
          `AIRL discriminator ${name}: expected a value in [${lo}, ${hi}], got ${v}`,
        );
    }
    this.obsDim = obsDim;
    this.actDim = actDim;
    this.absorbing = absorbing;
    this.options = { ...options, hiddenSizes: [...options.hiddenSizes] };
    this.inputDim = obsDim + (absorbing ? 1 : 0);
    const mlp = (r: Rng) =>
      new Mlp(
        {
          inputDim: this.inputDim,
          hiddenSizes: this.options.hiddenSizes,
          outputDim: 1,
          activation: 'tanh',
          outputGain: 1,
        },
        r,
      );
    this.g = mlp(rng.fork(1));
    this.h = mlp(rng.fork(2));
    this.stateNorm = new RunningNormalizer(obsDim);
    this.adam = new Adam([...this.g.variables, ...this.h.variables]);
    this.logProb = logProb;
  }

  /**
   * g's and h's input rows for n observation rows laid out as `pairs.obs` (indicator last when
   * absorbing): [normObs · (1 − ind), ind], so s_abs is the same point whatever the statistics.
   */
  stateFeatures(obs: Float32Array, n: number): Float32Array {
    this.assertLive();
    const rowDim = this.inputDim;
    if (obs.length !== n * rowDim)
      throw new GailBridgeError(
        'shape',
        `AIRL discriminator: ${obs.length} observation values for ${n} rows of ${rowDim} ` +
          `(obs ${this.obsDim}${this.absorbing ? ' + absorbing indicator' : ''})`,
      );
    const raw = new Float32Array(n * this.obsDim);
    for (let r = 0; r < n; r++) raw.set(obs.subarray(r * rowDim, r * rowDim + this.obsDim), r * this.obsDim);
    const z = this.stateNorm.normalize(raw, n);
    if (!this.absorbing) return z;
    const out = new Float32Array(n * rowDim);
    for (let r = 0; r < n; r++) {
      if (obs[r * rowDim + this.obsDim] === 1) {
        out[r * rowDim + this.obsDim] = 1;
        continue;
      }
      out.set(z.subarray(r * this.obsDim, (r + 1) * this.obsDim), r * rowDim);
    }
    return out;
  }

  /** log π(a|s) per row of `pairs` under the current policy; 0 on absorbing rows (one action there). */
  private logPi(pairs: PairSet): Float32Array {
    const { n, obsDim } = pairs;
    const raw = new Float32Array(n * this.obsDim);
    for (let r = 0; r < n; r++)
      raw.set(pairs.obs.subarray(r * obsDim, r * obsDim + this.obsDim), r * this.obsDim);
    const lp = this.logProb(raw, pairs.acts, n);
    if (this.absorbing) for (let r = 0; r < n; r++) if (pairs.obs[r * obsDim + this.obsDim] === 1) lp[r] = 0;
    return lp;
  }

  private checkPairs(pairs: PairSet): Float32Array {
    const rawDim = pairs.obsDim - (pairs.absorbing ? 1 : 0);
    if (rawDim !== this.obsDim || pairs.actDim !== this.actDim || pairs.absorbing !== this.absorbing)
      throw new GailBridgeError(
        'shape',
        `AIRL discriminator: transitions have obs/act ${rawDim}/${pairs.actDim} (absorbing ${pairs.absorbing}), ` +
          `D was built for ${this.obsDim}/${this.actDim} (absorbing ${this.absorbing})`,
      );
    if (!pairs.next)
      throw new GailBridgeError(
        'shape',
        'AIRL discriminator: the pairs have no next observations (s′); build them with streams/transitions.ts',
      );
    return pairs.next;
  }

  /**
   * g(s), h(s′), h(s) and f − log π for n transitions, as tensors (call inside tf.tidy). h runs once on
   * [s; s′] stacked.
   */
  private forward(
    xS: tf.Tensor2D,
    xNext: tf.Tensor2D,
    logPi: tf.Tensor1D,
  ): { g: tf.Tensor1D; hNext: tf.Tensor1D; h: tf.Tensor1D; z: tf.Tensor1D } {
    const { g, hNext, h, f } = this.shaped(xS, xNext);
    return { g, hNext, h, z: tf.sub(f, logPi) as tf.Tensor1D };
  }

  /** f = g(s) + γ h(s′) − h(s) and its parts (call inside tf.tidy). */
  private shaped(
    xS: tf.Tensor2D,
    xNext: tf.Tensor2D,
  ): { g: tf.Tensor1D; hNext: tf.Tensor1D; h: tf.Tensor1D; f: tf.Tensor1D } {
    const n = xS.shape[0];
    const g = tf.reshape(this.g.apply(xS), [n]) as tf.Tensor1D;
    const hBoth = tf.reshape(this.h.apply(tf.concat([xS, xNext], 0)), [2 * n]);
    const h = tf.slice(hBoth, [0], [n]) as tf.Tensor1D;
    const hNext = tf.slice(hBoth, [n], [n]) as tf.Tensor1D;
    const f = tf.sub(tf.add(g, tf.mul(this.options.gamma, hNext)), h) as tf.Tensor1D;
    return { g, hNext, h, f };
  }

  /**
   * λ·mean_r (‖∂f/∂(x̂_r, x̂′_r)‖₂ − 1)² at the given feature rows (as `stateFeatures` gives them), as a
   * tensor that the tape can differentiate again (call inside tf.tidy or a gradient function).
   */
  private penaltyTensor(xS: tf.Tensor2D, xNext: tf.Tensor2D): tf.Scalar {
    const lambda = this.options.gradientPenalty ?? 0;
    const [dS, dN] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(this.shaped(a as tf.Tensor2D, b as tf.Tensor2D).f),
    )([xS, xNext]);
    // The small floor keeps sqrt differentiable at a zero gradient (all-tanh saturation).
    const norm = tf.sqrt(tf.add(tf.add(tf.sum(tf.square(dS!), 1), tf.sum(tf.square(dN!), 1)), 1e-12));
    return tf.mul(lambda, tf.mean(tf.square(tf.sub(norm, 1)))) as tf.Scalar;
  }

  /** The penalty term λ·mean((‖∂f/∂(x̂, x̂′)‖ − 1)²) at n feature rows of s and of s′; for tests. */
  penaltyAt(xS: Float32Array, xNext: Float32Array, n: number): number {
    this.assertLive();
    const d = this.inputDim;
    return tf.tidy(
      () => this.penaltyTensor(tf.tensor2d(xS, [n, d]), tf.tensor2d(xNext, [n, d])).dataSync()[0]!,
    );
  }

  /** Every term of the logit for `pairs` (transitions with `next`); no state change. */
  terms(pairs: PairSet, logPi: Float32Array = this.logPi(pairs)): AirlTerms {
    const next = this.checkPairs(pairs);
    const xS = this.stateFeatures(pairs.obs, pairs.n);
    const xN = this.stateFeatures(next, pairs.n);
    const d = this.inputDim;
    return tf.tidy(() => {
      const r = this.forward(
        tf.tensor2d(xS, [pairs.n, d]),
        tf.tensor2d(xN, [pairs.n, d]),
        tf.tensor1d(logPi),
      );
      return {
        g: r.g.dataSync().slice() as Float32Array,
        hNext: r.hNext.dataSync().slice() as Float32Array,
        h: r.h.dataSync().slice() as Float32Array,
        logPi: logPi.slice(),
        logits: r.z.dataSync().slice() as Float32Array,
      };
    });
  }

  /** Logits f − log π for transitions (log π from the current policy). */
  logits(pairs: PairSet): Float32Array {
    return this.terms(pairs).logits;
  }

  /** The learned reward g for n observation rows laid out as `stateFeatures` takes them. */
  reward(obs: Float32Array, n: number): Float32Array {
    const x = this.stateFeatures(obs, n);
    return tf.tidy(
      () =>
        this.g
          .apply(tf.tensor2d(x, [n, this.inputDim]))
          .dataSync()
          .slice() as Float32Array,
    );
  }

  // --- AdversarialRewardModel ---

  /** The rollout's transitions (s, a, s′), with as many absorbing → absorbing ones as the collector added. */
  policyPairs(rollout: Rollout): PairSet {
    return rolloutTransitions(
      rollout.batch,
      rollout.valid,
      this.absorbing,
      absorbingPairsOf(rollout.policyPairs),
    );
  }

  /** Adds the real states of `pairs` to the statistics of g's and h's input. */
  observe(pairs: PairSet): void {
    const rawDim = pairs.obsDim - (pairs.absorbing ? 1 : 0);
    const rows: number[] = [];
    let n = 0;
    for (let r = 0; r < pairs.n; r++) {
      if (pairs.absorbing && pairs.obs[r * pairs.obsDim + rawDim] === 1) continue;
      for (let j = 0; j < rawDim; j++) rows.push(pairs.obs[r * pairs.obsDim + j]!);
      n++;
    }
    this.stateNorm.update(rows, n);
  }

  /**
   * One Adam step of the BCE on an expert and a policy batch of transitions. A non-finite loss, gradient
   * or resulting weight skips the step and keeps the previous weights.
   */
  step(expert: PairSet, policy: PairSet, rng: Rng): DiscStepStats {
    this.assertLive();
    if (expert.n === 0 || policy.n === 0)
      throw new GailBridgeError(
        'state',
        `AIRL discriminator step: needs expert and policy transitions, got ${expert.n} and ${policy.n}`,
      );
    const d = this.inputDim;
    const side = (p: PairSet) => {
      const next = this.checkPairs(p);
      return {
        xS: this.stateFeatures(p.obs, p.n),
        xN: this.stateFeatures(next, p.n),
        lp: this.logPi(p),
        n: p.n,
      };
    };
    const e = side(expert);
    const p = side(policy);
    const lambda = this.options.gradientPenalty ?? 0;
    // Penalty rows: expert row i mixed with policy row i, one weight u for s and s′ of a row.
    const m = lambda > 0 ? Math.min(e.n, p.n) : 0;
    const mixS = new Float32Array(m * d);
    const mixN = new Float32Array(m * d);
    for (let r = 0; r < m; r++) {
      const u = rng.next();
      for (let j = 0; j < d; j++) {
        const k = r * d + j;
        mixS[k] = u * e.xS[k]! + (1 - u) * p.xS[k]!;
        mixN[k] = u * e.xN[k]! + (1 - u) * p.xN[k]!;
      }
    }
    const vars = [...this.g.variables, ...this.h.variables];
    const saved = tf.tidy(() => vars.map((v) => tf.clone(v)));
    const eps = this.options.labelSmoothing;
    const wd = this.options.weightDecay;
    const result = tf.tidy(() => {
      const inputs = [e, p].map((s) => ({
        xS: tf.tensor2d(s.xS, [s.n, d]),
        xN: tf.tensor2d(s.xN, [s.n, d]),
        lp: tf.tensor1d(s.lp),
      }));
      let zs: { zE: tf.Tensor1D; zP: tf.Tensor1D; bce: tf.Scalar; gp: tf.Scalar } | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const zE = this.forward(inputs[0]!.xS, inputs[0]!.xN, inputs[0]!.lp).z;
        const zP = this.forward(inputs[1]!.xS, inputs[1]!.xN, inputs[1]!.lp).z;
        const bce = adversarialBce(zE, zP, eps);
        const gp =
          m > 0 ? this.penaltyTensor(tf.tensor2d(mixS, [m, d]), tf.tensor2d(mixN, [m, d])) : tf.scalar(0);
        let total = tf.add(bce, gp) as tf.Scalar;
        if (wd > 0) {
          const l2 = tf.addN(vars.filter((_, i) => i % 2 === 0).map((w) => tf.sum(tf.square(w))));
          total = tf.add(total, tf.mul(wd, l2)) as tf.Scalar;
        }
        zs = { zE: tf.keep(zE), zP: tf.keep(zP), bce: tf.keep(bce), gp: tf.keep(gp) };
        return total;
      }, vars);
      const gradList = vars.map((v) => grads[v.name]!);
      const gradNorm = tf.sqrt(tf.addN(gradList.map((g) => tf.sum(tf.square(g)))));
      const { zE, zP, bce, gp } = zs!;
      const stats = tf.stack([
        value,
        bce,
        gp,
        gradNorm,
        tf.mean(tf.cast(tf.greater(zE, 0), 'float32')),
        tf.mean(tf.cast(tf.less(zP, 0), 'float32')),
        tf.mean(tf.sigmoid(zE)),
        tf.mean(tf.sigmoid(zP)),
      ]);
      const [total, loss, penalty, norm, accE, accP, mE, mP] = Array.from(stats.dataSync());
      for (const t of [zE, zP, bce, gp]) t.dispose();
      const finite = Number.isFinite(total!) && Number.isFinite(norm!);
      if (finite) this.adam.apply(gradList, this.options.learningRate);
      return { finite, loss: loss!, penalty: penalty!, accE: accE!, accP: accP!, mE: mE!, mP: mP! };
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
      loss: result.loss,
      gradPenalty: result.penalty,
      accExpert: result.accE,
      accPolicy: result.accP,
      meanDExpert: result.mE,
      meanDPolicy: result.mP,
      skipped,
    };
  }

  /**
   * The policy's reward argument for every step of the rollout (T·N, time-major): the logit
   * f(s, a, s′) − log π(a|s) with the rollout's own log π (the policy that acted, not yet updated), or
   * f − α log π with `entropyWeight` α. Invalid (diverged) steps get a finite placeholder from their
   * stored rows; the learner leaves them out.
   */
  stepLogits(rollout: Rollout): Float32Array {
    const b = rollout.batch;
    const all = new Uint8Array(b.numSteps * b.numEnvs).fill(1);
    const steps = rolloutTransitions(b, all, this.absorbing, 0);
    const alpha = this.options.entropyWeight ?? 1;
    return this.terms(steps, alpha === 1 ? b.logProbs : b.logProbs.map((lp) => alpha * lp)).logits;
  }

  /** f(s_abs, 0, s_abs) − 0 = g(s_abs) + (γ − 1) h(s_abs); requires absorbing states. */
  absorbingLogit(): number {
    if (!this.absorbing)
      throw new GailBridgeError('state', 'absorbingLogit: AIRL discriminator built without absorbing states');
    const obs = new Float32Array(this.inputDim);
    obs[this.obsDim] = 1;
    return this.terms(
      {
        n: 1,
        obsDim: this.inputDim,
        actDim: this.actDim,
        absorbing: true,
        obs,
        acts: new Float32Array(this.actDim),
        next: obs,
      },
      new Float32Array(1),
    ).logits[0]!;
  }

  /** g(s_abs): the learned reward of the absorbing state; requires absorbing states. */
  absorbingReward(): number {
    const obs = new Float32Array(this.inputDim);
    obs[this.obsDim] = 1;
    return this.reward(obs, 1)[0]!;
  }

  /** g, h, the state statistics and Adam's state under `prefix`. */
  toArrays(prefix: string): NamedArrays {
    this.assertLive();
    return {
      ...this.g.toArrays(`${prefix}/g`),
      ...this.h.toArrays(`${prefix}/h`),
      ...this.stateNorm.toArrays(`${prefix}/norm`),
      ...this.adam.toArrays(`${prefix}/adam`),
    };
  }

  /** Restores what `toArrays` saved, checking shapes. */
  loadArrays(arrays: NamedArrays, prefix: string): void {
    this.assertLive();
    this.g.loadArrays(arrays, `${prefix}/g`);
    this.h.loadArrays(arrays, `${prefix}/h`);
    this.stateNorm.loadArrays(arrays, `${prefix}/norm`);
    this.adam.loadArrays(arrays, `${prefix}/adam`);
  }

  /** Frees g, h and the optimiser moments. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.g.dispose();
    this.h.dispose();
    this.adam.dispose();
  }

  private assertLive(): void {
    if (this.disposed)
      throw new GailBridgeError('state', 'AirlDiscriminator: used after dispose(); build a new one');
  }
}
