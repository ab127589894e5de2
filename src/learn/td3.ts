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
import { Adam, type AdamStep } from './adam.js';
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
  private stateFeatures(
    rows: Float32Array,
    n: number,
  ): { state: Float32Array; actor: Float32Array; live: Float32Array } {
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

  /** Q(s, u) for state features and normalised actions (masked in the absorbing state). In tf.tidy. */
  private q(critic: Mlp, state: tf.Tensor2D, u: tf.Tensor2D, live: tf.Tensor2D): tf.Tensor1D {
    const x = tf.concat([state, tf.mul(u, live)], 1) as tf.Tensor2D;
    return tf.squeeze(critic.apply(x), [1]) as tf.Tensor1D;
  }

  /** Q_θ1 and Q_θ2 of a batch's (s, a), for tests and diagnostics. */
  qValues(batch: Pick<Td3Batch, 'n' | 'obs' | 'actions'>): { q1: Float32Array; q2: Float32Array } {
    this.assertLive();
    const { n } = batch;
    const s = this.stateFeatures(batch.obs, n);
    const u = this.normalisedActions(batch.actions, n);
    return tf.tidy(() => {
      const st = tf.tensor2d(s.state, [n, this.obsDim + 1]);
      const ut = tf.tensor2d(u, [n, this.actDim]);
      const lt = tf.tensor2d(s.live, [n, 1]);
      return {
        q1: this.q(this.critic1, st, ut, lt).dataSync() as Float32Array,
        q2: this.q(this.critic2, st, ut, lt).dataSync() as Float32Array,
      };
    });
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
    const next = this.stateFeatures(batch.nextObs, batch.n);
    return tf.tidy(() => this.targetTensor(batch, next, noise).dataSync() as Float32Array).slice();
  }

  /** ε clipped to ±c, n × actDim. */
  private smoothingNoise(n: number): Float32Array {
    const { targetNoise: sigma, targetNoiseClip: c } = this.options;
    const e = new Float32Array(n * this.actDim);
    for (let i = 0; i < e.length; i++) e[i] = Math.min(c, Math.max(-c, sigma * this.rng.normal()));
    return e;
  }

  private targetTensor(
    batch: Td3Batch,
    next: { state: Float32Array; actor: Float32Array; live: Float32Array },
    noise: Float32Array,
  ): tf.Tensor1D {
    const { n } = batch;
    const s2 = tf.tensor2d(next.state, [n, this.obsDim + 1]);
    const l2 = tf.tensor2d(next.live, [n, 1]);
    const a2 = tf.tanh(this.actorTarget.apply(tf.tensor2d(next.actor, [n, this.obsDim])));
    const u2 = tf.clipByValue(tf.add(a2, tf.tensor2d(noise, [n, this.actDim])), -1, 1) as tf.Tensor2D;
    const qMin = tf.minimum(this.q(this.critic1Target, s2, u2, l2), this.q(this.critic2Target, s2, u2, l2));
    return tf.add(tf.tensor1d(batch.rewards), tf.mul(tf.tensor1d(batch.discounts), qMin)) as tf.Tensor1D;
  }

  /**
   * One iteration: a critic step, and every `policyDelay`-th call an actor step and the Polyak update of
   * the three target networks. A non-finite loss or gradient skips the step (weights kept).
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

    let critic: AdamStep | undefined;
    tf.tidy(() => {
      const y = this.targetTensor(batch, next, noise);
      const st = tf.tensor2d(cur.state, [n, D + 1]);
      const ut = tf.tensor2d(u, [n, A]);
      const lt = tf.tensor2d(cur.live, [n, 1]);
      let q1: tf.Tensor1D | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const a = this.q(this.critic1, st, ut, lt);
        const b = this.q(this.critic2, st, ut, lt);
        q1 = tf.keep(a);
        return tf.add(tf.mean(tf.square(tf.sub(a, y))), tf.mean(tf.square(tf.sub(b, y)))) as tf.Scalar;
      }, [...this.critic1.variables, ...this.critic2.variables]);
      const gradList = [...this.critic1.variables, ...this.critic2.variables].map((v) => grads[v.name]!);
      critic = this.criticAdam.step(gradList, this.options.criticLr, {
        read: [value, tf.mean(q1!), tf.mean(y)],
      });
      q1!.dispose();
    });
    if (!critic)
      return { criticLoss: Number.NaN, q: Number.NaN, target: Number.NaN, actorLoss: Number.NaN, skipped: 1 };
    const [criticLoss, q, target] = critic.read;

    let actorLoss = Number.NaN;
    if (actorTurn) {
      const real = cur.live.reduce((a, b) => a + b, 0);
      let actor: AdamStep | undefined;
      tf.tidy(() => {
        const st = tf.tensor2d(cur.state, [n, D + 1]);
        const lt = tf.tensor2d(cur.live, [n, 1]);
        const x = tf.tensor2d(cur.actor, [n, D]);
        const { value, grads } = tf.variableGrads(() => {
          const ua = tf.tanh(this.policy.mean.apply(x)) as tf.Tensor2D;
          const qa = this.q(this.critic1, st, ua, lt);
          // Mean over real rows: the absorbing state's value does not depend on the action.
          return tf.div(tf.neg(tf.sum(tf.mul(qa, tf.squeeze(lt, [1])))), Math.max(1, real)) as tf.Scalar;
        }, [...this.policy.mean.variables]);
        const gradList = this.policy.mean.variables.map((v) => grads[v.name]!);
        actor = this.actorAdam.step(gradList, this.options.actorLr, { read: [value] });
      });
      if (actor) {
        actorLoss = actor.read[0]!;
        this.polyak();
      }
    }
    return { criticLoss: criticLoss!, q: q!, target: target!, actorLoss, skipped: 0 };
  }

  /** θ' ← τθ + (1 − τ)θ' for the actor and both critics. */
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
          t.assign(tf.add(tf.mul(v, tau), tf.mul(t, 1 - tau)));
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
