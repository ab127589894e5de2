/**
 * TD3 — Twin Delayed Deep Deterministic policy gradient (Fujimoto et al. 2018, Algorithm 1), the
 * actor-critic DAC uses (Kostrikov et al. 2019, §5). One `update` is one iteration of Algorithm 1's inner
 * loop on a replay minibatch:
 *
 *   target   ũ = clip(π_φ'(s') + clip(ε, −c, c), −1, 1),  ε ~ N(0, σ̃²)   target policy smoothing (§5.3)
 *            y = r + γ_k · min_{i=1,2} Q_θ'_i(s', ũ)                     clipped double Q-learning (§4.2)
 *   critics  θ_i ← Adam ∇θ Σ_i mean (Q_θi(s, u) − y)²
 *   every d  φ ← Adam ∇φ −mean Q_θ1(s, π_φ(s))                           delayed policy updates (§5.2)
 *            θ'_i ← τ θ_i + (1 − τ) θ'_i;  φ' ← τ φ + (1 − τ) φ'         Polyak averaging
 *
 * Actions inside the networks are normalised, u = (a − offset)/scale ∈ [−1, 1], so the actor's output is
 * u = tanh(z) and σ̃, c are in those units (0.2 and 0.5, as the paper's for ±1 actions). γ_k is the
 * batch's per-transition discount: γ, or 0 where a plain terminal state ends the episode.
 *
 * Absorbing states (Kostrikov et al. 2019, §4.2): every observation row carries the indicator last
 * (0 real, 1 absorbing). The critics see [obsNorm · (1 − ind), ind, u · (1 − ind)], as the discriminator
 * does (gail/discriminator.ts): s_abs is one point whatever the statistics, and its value does not depend
 * on the action, so Q(s_abs, ·) is the value of staying absorbed and bootstraps like any other state.
 * The actor acts on the real observation only (the deployed policy has no indicator); its loss is taken
 * over the real rows.
 *
 * Owns its critics, the target networks and the optimiser state; the actor is the caller's
 * `GaussianPolicy` (tanh output), whose weights it updates. `dispose()` frees what it owns, idempotently.
 */
import * as tf from '@tensorflow/tfjs';
import { assertLength, GailBridgeError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { Adam } from './adam.js';
import type { GaussianPolicy } from './gaussian-policy.js';
import { Mlp } from './mlp.js';
import { type NamedArrays, namedArray, takeArray } from './named-arrays.js';

/** TD3's settings; every field has the paper's default (Fujimoto et al. 2018, Table 3 and §6.1). */
export interface Td3Options {
  /** Hidden widths of each critic (relu); default [256, 256]. */
  readonly criticHidden?: readonly number[];
  /** Discount γ; default 0.99. */
  readonly gamma?: number;
  /** Polyak coefficient τ of the target networks; default 0.005. */
  readonly tau?: number;
  /** Std of the target policy smoothing noise σ̃, in normalised action units; default 0.2. */
  readonly targetNoise?: number;
  /** The smoothing noise is clipped to ±this (c); default 0.5. */
  readonly targetNoiseClip?: number;
  /** Critic updates per actor and target update (d); default 2. */
  readonly policyDelay?: number;
  /** Adam step size of the actor; default 1e-3. */
  readonly actorLr?: number;
  /** Adam step size of the critics; default 1e-3. */
  readonly criticLr?: number;
  /** Seed of the critics' initial weights and of the smoothing noise. */
  readonly seed?: number;
}

export const TD3_DEFAULTS: Required<Td3Options> = Object.freeze({
  criticHidden: [256, 256],
  gamma: 0.99,
  tau: 0.005,
  targetNoise: 0.2,
  targetNoiseClip: 0.5,
  policyDelay: 2,
  actorLr: 1e-3,
  criticLr: 1e-3,
  seed: 0,
});

/**
 * A replay minibatch of n transitions (s, a, r, s'), observations with the absorbing indicator last:
 *
 *   obs:       n × (obsDim + 1)  raw observation, indicator last (1: s is the absorbing state)
 *   actions:   n × actDim        the action taken, inside the bounds (0 in the absorbing state)
 *   rewards:   n                 r(s, a) (DAC: the discriminator's, at sampling time)
 *   nextObs:   n × (obsDim + 1)  s' (the absorbing state after a terminal step, with absorbing states on)
 *   discounts: n                 γ_k: the discount of Q(s'), 0 where s' ends the episode (no absorbing)
 */
export interface Td3Batch {
  readonly n: number;
  readonly obs: Float32Array;
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  readonly nextObs: Float32Array;
  readonly discounts: Float32Array;
}

/** Statistics of one update (actor values NaN on updates without an actor step). */
export interface Td3Stats {
  readonly criticLoss: number;
  /** Mean Q_θ1(s, a) over the batch. */
  readonly q: number;
  /** Mean target y. */
  readonly target: number;
  /** −mean Q_θ1(s, π(s)) over real rows; NaN when the actor was not updated this time. */
  readonly actorLoss: number;
  /** 1 when a non-finite loss or gradient made the update be skipped, else 0. */
  readonly skipped: number;
}

/** A batch's observations as the networks take them (`Td3Learner.stateFeatures`). */
interface StateFeatures {
  /** n × (obsDim + 1): [obsNorm · (1 − ind), ind], the critics' state columns. */
  readonly state: Float32Array;
  /** n × obsDim: obsNorm, the actor's input. */
  readonly actor: Float32Array;
  /** n: 1 − ind. */
  readonly live: Float32Array;
}

/** The TD3 learner; see the file comment. */
export class Td3Learner {
  readonly policy: GaussianPolicy;
  readonly options: Required<Td3Options>;
  readonly obsDim: number;
  readonly actDim: number;
  readonly critic1: Mlp;
  readonly critic2: Mlp;
  readonly actorTarget: Mlp;
  readonly critic1Target: Mlp;
  readonly critic2Target: Mlp;
  private readonly actorAdam: Adam;
  private readonly criticAdam: Adam;
  private rng: Rng;
  /** Critic updates done (the delay counts them). */
  private updates = 0;
  private disposed = false;

  constructor(policy: GaussianPolicy, options: Td3Options = {}) {
    if (policy.config.output !== 'tanh' || !policy.bounds)
      throw new GailBridgeError(
        'config',
        "TD3: the actor must be a GaussianPolicy with output 'tanh' and action bounds (a deterministic, bounded actor)",
      );
    const o = {
      ...TD3_DEFAULTS,
      ...options,
      criticHidden: [...(options.criticHidden ?? TD3_DEFAULTS.criticHidden)],
    };
    for (const [name, v, ok] of [
      ['gamma', o.gamma, o.gamma >= 0 && o.gamma < 1],
      ['tau', o.tau, o.tau > 0 && o.tau <= 1],
      ['targetNoise', o.targetNoise, o.targetNoise >= 0],
      ['targetNoiseClip', o.targetNoiseClip, o.targetNoiseClip >= 0],
      ['policyDelay', o.policyDelay, Number.isInteger(o.policyDelay) && o.policyDelay >= 1],
      ['actorLr', o.actorLr, o.actorLr > 0],
      ['criticLr', o.criticLr, o.criticLr > 0],
    ] as const) {
      if (!ok) throw new GailBridgeError('config', `TD3 ${name}: ${v} is out of range`);
    }
    this.options = o;
    this.policy = policy;
    this.obsDim = policy.obsDim;
    this.actDim = policy.actDim;
    const root = new Rng(o.seed).fork(31);
    const criticConfig = {
      inputDim: this.obsDim + 1 + this.actDim,
      hiddenSizes: o.criticHidden,
      outputDim: 1,
      activation: 'relu' as const,
      outputGain: 1,
    };
    this.critic1 = new Mlp(criticConfig, root.fork(1));
    this.critic2 = new Mlp(criticConfig, root.fork(2));
    this.critic1Target = new Mlp(criticConfig, root.fork(1));
    this.critic2Target = new Mlp(criticConfig, root.fork(2));
    this.actorTarget = new Mlp(policy.mean.config, root.fork(3));
    copyWeights(policy.mean, this.actorTarget);
    this.actorAdam = new Adam(policy.mean.variables, { epsilon: 1e-8 });
    this.criticAdam = new Adam([...this.critic1.variables, ...this.critic2.variables], { epsilon: 1e-8 });
    this.rng = root.fork(4);
  }

  /**
   * Restarts the smoothing noise's generator from `seed` (the DAC loop reseeds per round, so a resumed
   * run draws what an uninterrupted one would).
   */
  reseed(seed: number): void {
    this.rng = new Rng(seed).fork(4);
  }

  /** Critic updates done so far. */
  get updateCount(): number {
    return this.updates;
  }

  /**
   * The critics' input rows and the actor's for raw observations with the indicator (n × (obsDim + 1)):
   * state features n × (obsDim + 1) = [obsNorm · (1 − ind), ind], the actor's n × obsDim, and 1 − ind.
   */
  private stateFeatures(rows: Float32Array, n: number): StateFeatures {
    const d = this.obsDim;
    const raw = new Float32Array(n * d);
    for (let r = 0; r < n; r++) raw.set(rows.subarray(r * (d + 1), r * (d + 1) + d), r * d);
    const z = this.policy.obsNorm.normalize(raw, n);
    const state = new Float32Array(n * (d + 1));
    const live = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      const ind = rows[r * (d + 1) + d]!;
      if (ind === 1) {
        state[r * (d + 1) + d] = 1;
        z.fill(0, r * d, (r + 1) * d);
        continue;
      }
      live[r] = 1;
      state.set(z.subarray(r * d, (r + 1) * d), r * (d + 1));
    }
    return { state, actor: z, live };
  }

  /**
   * The critics' input rows n × (obsDim + 1 + actDim) = [state features, u · (1 − ind)], built here rather
   * than with concat and mul kernels (in the absorbing state the action is masked out).
   */
  private criticInput(s: StateFeatures, u: ArrayLike<number>, n: number): Float32Array {
    const S = this.obsDim + 1;
    const A = this.actDim;
    const x = new Float32Array(n * (S + A));
    for (let r = 0; r < n; r++) {
      x.set(s.state.subarray(r * S, (r + 1) * S), r * (S + A));
      if (s.live[r] === 0) continue;
      for (let j = 0; j < A; j++) x[r * (S + A) + S + j] = u[r * A + j]!;
    }
    return x;
  }

  /** Q(s, u) of `critic` for critic input rows (n × inputDim): n values. */
  private q(critic: Mlp, x: Float32Array, n: number): Float32Array {
    return tf.tidy(
      () => critic.forwardTrace(tf.tensor2d(x, [n, critic.config.inputDim])).out.dataSync() as Float32Array,
    );
  }

  /** Q_θ1 and Q_θ2 of a batch's (s, a), for tests and diagnostics. */
  qValues(batch: Pick<Td3Batch, 'n' | 'obs' | 'actions'>): { q1: Float32Array; q2: Float32Array } {
    this.assertLive();
    const { n } = batch;
    const x = this.criticInput(this.stateFeatures(batch.obs, n), this.normalisedActions(batch.actions, n), n);
    return { q1: this.q(this.critic1, x, n).slice(), q2: this.q(this.critic2, x, n).slice() };
  }

  /** u = (a − offset)/scale, clipped to [−1, 1] (n × actDim). */
  private normalisedActions(actions: Float32Array, n: number): Float32Array {
    const { scale, offset } = this.policy.bounds!;
    const A = this.actDim;
    const u = new Float32Array(n * A);
    for (let i = 0; i < n * A; i++) {
      const j = i % A;
      u[i] = Math.min(1, Math.max(-1, (actions[i]! - offset[j]!) / scale[j]!));
    }
    return u;
  }

  /**
   * The targets y = r + γ_k min_i Q_θ'_i(s', ũ) for a batch (the smoothing noise drawn from this
   * learner's generator). Exposed for tests; `update` computes the same inside its step.
   */
  targets(batch: Td3Batch): Float32Array {
    this.assertLive();
    const noise = this.smoothingNoise(batch.n);
    return this.targetValues(batch, this.stateFeatures(batch.nextObs, batch.n), noise);
  }

  /** ε clipped to ±c, n × actDim. */
  private smoothingNoise(n: number): Float32Array {
    const { targetNoise: sigma, targetNoiseClip: c } = this.options;
    const e = new Float32Array(n * this.actDim);
    for (let i = 0; i < e.length; i++) e[i] = Math.min(c, Math.max(-c, sigma * this.rng.normal()));
    return e;
  }

  /**
   * y = r + γ_k min_i Q_θ'_i(s', ũ), ũ = clip(tanh(π_φ'(s')) + ε, −1, 1) (Fujimoto et al. 2018, eq. 15 and
   * §5.3). The networks run on tensors; the tanh, the noise, the clip, the minimum and the sum run here on
   * n × actDim and n numbers, where each would be a kernel.
   */
  private targetValues(batch: Td3Batch, next: StateFeatures, noise: Float32Array): Float32Array {
    const { n } = batch;
    const A = this.actDim;
    const z = tf.tidy(
      () =>
        this.actorTarget
          .forwardTrace(tf.tensor2d(next.actor, [n, this.obsDim]))
          .out.dataSync() as Float32Array,
    );
    const u2 = new Float32Array(n * A);
    for (let i = 0; i < n * A; i++) u2[i] = Math.min(1, Math.max(-1, Math.tanh(z[i]!) + noise[i]!));
    const x2 = this.criticInput(next, u2, n);
    const q1 = this.q(this.critic1Target, x2, n);
    const q2 = this.q(this.critic2Target, x2, n);
    const y = new Float32Array(n);
    for (let r = 0; r < n; r++) y[r] = batch.rewards[r]! + batch.discounts[r]! * Math.min(q1[r]!, q2[r]!);
    return y;
  }

  /**
   * One iteration: a critic step, and every `policyDelay`-th call an actor step and the Polyak update of
   * the three target networks. A non-finite loss or gradient skips the step (weights kept).
   *
   * The gradients are written out, not taped (as PPO's, src/learn/ppo.ts): the networks run forward on
   * tensors (`Mlp.forwardTrace`), the loss and its gradient with respect to the networks' outputs are
   * computed here on n numbers, and `Mlp.backward` / `Mlp.inputGradient` take them back through the
   * layers. Everything between the networks (targets, smoothing, clipping, the critics' input, the losses)
   * is a few hundred numbers that cost no kernel here, where a tape ran several kernels for each of their
   * ops and again for its gradient (bench/probes/td3-update.ts; docs/dac.md "Measured").
   */
  update(batch: Td3Batch): Td3Stats {
    this.assertLive();
    const { n } = batch;
    const D = this.obsDim;
    const A = this.actDim;
    assertLength('TD3 batch obs', batch.obs.length, n * (D + 1));
    assertLength('TD3 batch nextObs', batch.nextObs.length, n * (D + 1));
    assertLength('TD3 batch actions', batch.actions.length, n * A);
    assertLength('TD3 batch rewards', batch.rewards.length, n);
    assertLength('TD3 batch discounts', batch.discounts.length, n);
    const cur = this.stateFeatures(batch.obs, n);
    const next = this.stateFeatures(batch.nextObs, batch.n);
    const u = this.normalisedActions(batch.actions, n);
    const noise = this.smoothingNoise(n);
    this.updates++;
    const actorTurn = this.updates % this.options.policyDelay === 0;

    const y = this.targetValues(batch, next, noise);
    const critic = this.criticStep(this.criticInput(cur, u, n), y, n);
    if (!critic)
      return { criticLoss: Number.NaN, q: Number.NaN, target: Number.NaN, actorLoss: Number.NaN, skipped: 1 };

    let actorLoss = Number.NaN;
    if (actorTurn) {
      const loss = this.actorStep(cur, n);
      if (loss !== undefined) {
        actorLoss = loss;
        this.polyak();
      }
    }
    return { ...critic, actorLoss, skipped: 0 };
  }

  /**
   * θ_i ← Adam ∇θ_i Σ_i mean_r (Q_θi(s_r, u_r) − y_r)² (`criticGrads`). Undefined (no weight changed) when
   * the loss or a gradient is not finite.
   */
  private criticStep(
    x: Float32Array,
    y: Float32Array,
    n: number,
  ): { criticLoss: number; q: number; target: number } | undefined {
    return tf.tidy(() => {
      const c = this.criticGrads(x, y, n);
      return c && this.criticAdam.step(c.grads, this.options.criticLr) ? c.stats : undefined;
    });
  }

  /**
   * The critics' loss Σ_i mean_r (Q_θi(s_r, u_r) − y_r)² on critic input rows x and its gradient, critic1's
   * variables then critic2's: ∂/∂Q_θi(s_r, u_r) = 2(Q_θi − y_r)/n, taken back through each critic.
   * Undefined when the loss is not finite. Call inside tf.tidy.
   */
  private criticGrads(
    x: Float32Array,
    y: Float32Array,
    n: number,
  ): { stats: { criticLoss: number; q: number; target: number }; grads: tf.Tensor[] } | undefined {
    const xt = tf.tensor2d(x, [n, this.critic1.config.inputDim]);
    const t1 = this.critic1.forwardTrace(xt);
    const t2 = this.critic2.forwardTrace(xt);
    const q1 = t1.out.dataSync() as Float32Array;
    const q2 = t2.out.dataSync() as Float32Array;
    const d1 = new Float32Array(n);
    const d2 = new Float32Array(n);
    let loss = 0;
    let qSum = 0;
    let ySum = 0;
    for (let r = 0; r < n; r++) {
      const e1 = q1[r]! - y[r]!;
      const e2 = q2[r]! - y[r]!;
      loss += e1 * e1 + e2 * e2;
      d1[r] = (2 * e1) / n;
      d2[r] = (2 * e2) / n;
      qSum += q1[r]!;
      ySum += y[r]!;
    }
    const stats = { criticLoss: loss / n, q: qSum / n, target: ySum / n };
    if (!Object.values(stats).every(Number.isFinite)) return undefined;
    return {
      stats,
      grads: [
        ...this.critic1.backward(t1, tf.tensor2d(d1, [n, 1])),
        ...this.critic2.backward(t2, tf.tensor2d(d2, [n, 1])),
      ],
    };
  }

  /**
   * φ ← Adam ∇φ of the actor's loss (`actorGrads`). Returns the loss; undefined (actor unchanged) when it
   * or a gradient is not finite.
   */
  private actorStep(cur: StateFeatures, n: number): number | undefined {
    return tf.tidy(() => {
      const a = this.actorGrads(cur, n);
      return a && this.actorAdam.step(a.grads, this.options.actorLr) ? a.loss : undefined;
    });
  }

  /**
   * The actor's loss −(1/n_real) Σ_real Q_θ1(s, tanh(π_φ(s))) and its gradient, the deterministic policy
   * gradient (Silver et al. 2014; Fujimoto et al. 2018, Algorithm 1): ∂Q/∂u is the critic's input
   * gradient in the action columns, times ∂u/∂z = 1 − u², taken back through the actor. The mean is over
   * real rows: the absorbing state's value does not depend on the action. Undefined when the loss is not
   * finite. Call inside tf.tidy.
   */
  private actorGrads(cur: StateFeatures, n: number): { loss: number; grads: tf.Tensor[] } | undefined {
    const S = this.obsDim + 1;
    const A = this.actDim;
    let real = 0;
    for (let r = 0; r < n; r++) real += cur.live[r]!;
    const scale = 1 / Math.max(1, real);
    const pi = this.policy.mean.forwardTrace(tf.tensor2d(cur.actor, [n, this.obsDim]));
    const z = pi.out.dataSync() as Float32Array;
    const ua = new Float32Array(n * A);
    for (let i = 0; i < n * A; i++) ua[i] = Math.tanh(z[i]!);
    const tq = this.critic1.forwardTrace(tf.tensor2d(this.criticInput(cur, ua, n), [n, S + A]));
    const qa = tq.out.dataSync() as Float32Array;
    const dQ = new Float32Array(n);
    let loss = 0;
    for (let r = 0; r < n; r++) {
      loss -= cur.live[r]! * qa[r]! * scale;
      dQ[r] = -cur.live[r]! * scale;
    }
    if (!Number.isFinite(loss)) return undefined;
    const dx = this.critic1.inputGradient(tq, tf.tensor2d(dQ, [n, 1])).dataSync() as Float32Array;
    // x's action columns are u · (1 − ind): the absorbing rows pass no gradient (dQ is 0 there too).
    const dz = new Float32Array(n * A);
    for (let r = 0; r < n; r++) {
      if (cur.live[r] === 0) continue;
      for (let j = 0; j < A; j++) {
        const uj = ua[r * A + j]!;
        dz[r * A + j] = dx[r * (S + A) + S + j]! * (1 - uj * uj);
      }
    }
    return { loss, grads: this.policy.mean.backward(pi, tf.tensor2d(dz, [n, A])) };
  }

  /**
   * The gradients `update` would apply to the critics for targets y (critic1's variables, then critic2's)
   * and to the actor, without a step; undefined where the loss is not finite. For tests.
   */
  gradients(batch: Td3Batch, y: Float32Array): { critic?: Float32Array[]; actor?: Float32Array[] } {
    this.assertLive();
    const { n } = batch;
    const cur = this.stateFeatures(batch.obs, n);
    const x = this.criticInput(cur, this.normalisedActions(batch.actions, n), n);
    const read = (gs: tf.Tensor[] | undefined) => gs?.map((g) => (g.dataSync() as Float32Array).slice());
    return tf.tidy(() => ({
      critic: read(this.criticGrads(x, y, n)?.grads),
      actor: read(this.actorGrads(cur, n)?.grads),
    }));
  }

  /**
   * θ' ← τθ + (1 − τ)θ' for the actor and both critics, over one read of each weight (no kernel; as
   * Adam's update, src/learn/adam.ts).
   */
  private polyak(): void {
    const tau = this.options.tau;
    tf.tidy(() => {
      for (const [online, target] of [
        [this.policy.mean, this.actorTarget],
        [this.critic1, this.critic1Target],
        [this.critic2, this.critic2Target],
      ] as const) {
        online.variables.forEach((v, i) => {
          const t = target.variables[i]!;
          const a = v.dataSync() as Float32Array;
          const b = t.dataSync() as Float32Array;
          const out = new Float32Array(a.length);
          for (let j = 0; j < a.length; j++) out[j] = tau * a[j]! + (1 - tau) * b[j]!;
          t.assign(tf.tensor(out, t.shape));
        });
      }
    });
  }

  /**
   * The whole learner: the actor's weights (`policy/mean/…`), critics, targets, both optimisers and the
   * update count, for checkpoints.
   */
  toArrays(): NamedArrays {
    this.assertLive();
    return {
      ...this.policy.toArrays(),
      ...this.critic1.toArrays('td3/critic1'),
      ...this.critic2.toArrays('td3/critic2'),
      ...this.critic1Target.toArrays('td3/critic1Target'),
      ...this.critic2Target.toArrays('td3/critic2Target'),
      ...this.actorTarget.toArrays('td3/actorTarget'),
      ...this.actorAdam.toArrays('td3/actorAdam'),
      ...this.criticAdam.toArrays('td3/criticAdam'),
      'td3/updates': namedArray([1], [this.updates]),
    };
  }

  /** Restores what `toArrays` saved (shapes checked); the policy's normaliser is the run layer's. */
  loadArrays(arrays: NamedArrays): void {
    this.assertLive();
    const updates = takeArray(arrays, 'td3/updates', [1], 'TD3 state')[0]!;
    this.policy.mean.loadArrays(arrays, 'policy/mean');
    this.critic1.loadArrays(arrays, 'td3/critic1');
    this.critic2.loadArrays(arrays, 'td3/critic2');
    this.critic1Target.loadArrays(arrays, 'td3/critic1Target');
    this.critic2Target.loadArrays(arrays, 'td3/critic2Target');
    this.actorTarget.loadArrays(arrays, 'td3/actorTarget');
    this.actorAdam.loadArrays(arrays, 'td3/actorAdam');
    this.criticAdam.loadArrays(arrays, 'td3/criticAdam');
    this.updates = updates;
  }

  /** Frees the critics and targets (not the actor: the caller owns the policy). Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const m of [this.critic1, this.critic2, this.critic1Target, this.critic2Target, this.actorTarget])
      m.dispose();
    this.actorAdam.dispose();
    this.criticAdam.dispose();
  }

  private assertLive(): void {
    if (this.disposed)
      throw new GailBridgeError('state', 'Td3Learner: used after dispose(); build a new one');
  }
}

/** Copies `from`'s weights into `to` (same architecture). */
function copyWeights(from: Mlp, to: Mlp): void {
  tf.tidy(() => {
    from.variables.forEach((v, i) => {
      to.variables[i]!.assign(v);
    });
  });
}
