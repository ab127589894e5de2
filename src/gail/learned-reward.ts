/**
 * Learned rewards ↔ reward files (src/data/reward-file.ts): the record of a trained AIRL discriminator
 * (g, h) or GAIL discriminator (D), and the reward a file describes rebuilt for optimisation
 * (`expert --reward`). The rebuilt reward is an AirlDiscriminator or a Discriminator itself, so a reward
 * is computed by one piece of code whether it is being learned or re-optimised:
 *
 *   airl-state-only      r(s, a) = g(s)                         r_abs = g(s_abs)
 *   gail-discriminator   r(s, a) = reward(D's logit z(s, a))    r_abs = reward(z(s_abs, 0))   (rewards.ts)
 */
import { GailBridgeError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Spec } from '../core/spec.js';
import type { NamedTensor, TrainingMeta } from '../data/policy-file.js';
import { expectedRewardTensors, type RewardArchitecture, type RewardRecord } from '../data/reward-file.js';
import { type NamedArrays, namedArray } from '../learn/named-arrays.js';
import type { RunningNormalizer } from '../learn/normalizer.js';
import { withIndicator } from '../streams/pairs.js';
import { AirlDiscriminator } from './airl.js';
import { Discriminator } from './discriminator.js';
import { parseRewardKind, type RewardKind, rewardOfLogit, rewardsFromLogits } from './rewards.js';

function tensorsOf(arch: RewardArchitecture, arrays: NamedArrays): NamedTensor[] {
  return expectedRewardTensors(arch).map(({ name }) => {
    const a = arrays[name];
    if (!a) throw new GailBridgeError('state', `reward record: the discriminator has no array "${name}"`);
    return { name, shape: [...a.shape], data: a.data };
  });
}

function normStats(n: RunningNormalizer): RewardRecord['obsNorm'] {
  return { mean: n.means(), var: n.variance(), count: n.count, epsilon: n.epsilon, clip: n.clip };
}

/** The reward file record of an AIRL discriminator (g, h, the state normaliser, γ), learned on `spec`. */
export function airlRewardRecord(disc: AirlDiscriminator, spec: Spec, training: TrainingMeta): RewardRecord {
  const architecture: RewardArchitecture = {
    kind: 'airl-state-only',
    obsDim: disc.obsDim,
    actDim: disc.actDim,
    hidden: [...disc.options.hiddenSizes],
    activation: 'tanh',
    absorbing: disc.absorbing,
    reward: '',
  };
  return {
    spec,
    obsNorm: normStats(disc.stateNorm),
    architecture,
    tensors: tensorsOf(architecture, disc.toArrays('reward')),
    gamma: disc.options.gamma,
    training,
  };
}

/**
 * The reward file record of GAIL's discriminator: its MLP with the weights the forward pass uses
 * (W/σ under spectral normalisation), its [obs, act] normaliser, the reward kind and the learner's γ.
 */
export function gailRewardRecord(
  disc: Discriminator,
  spec: Spec,
  reward: RewardKind,
  gamma: number,
  training: TrainingMeta,
): RewardRecord {
  const architecture: RewardArchitecture = {
    kind: 'gail-discriminator',
    obsDim: disc.obsDim,
    actDim: disc.actDim,
    hidden: [...disc.options.hiddenSizes],
    activation: 'tanh',
    absorbing: disc.absorbing,
    reward,
  };
  const arrays: Record<string, ReturnType<typeof namedArray>> = { ...disc.mlp.toArrays('reward/d') };
  disc.effectiveWeights().forEach((w, k) => {
    arrays[`reward/d/${k}/w`] = namedArray(w.shape, w.data);
  });
  return {
    spec,
    obsNorm: normStats(disc.inputNorm),
    architecture,
    tensors: tensorsOf(architecture, arrays),
    gamma,
    training,
  };
}

/** Refuses a stored normaliser whose ε or clip differ from those the networks are rebuilt with. */
function checkNorm(record: RewardRecord, norm: RunningNormalizer): void {
  if (record.obsNorm.epsilon !== norm.epsilon || record.obsNorm.clip !== norm.clip)
    throw new GailBridgeError(
      'file',
      `reward file: normaliser epsilon/clip ${record.obsNorm.epsilon}/${record.obsNorm.clip} differ from ` +
        `the ${norm.epsilon}/${norm.clip} the discriminators train with`,
    );
  norm.setStatistics(record.obsNorm.mean, record.obsNorm.var, record.obsNorm.count);
  norm.frozen = true;
}

/**
 * A reward read from a file, ready to score a batch: r(s, a) as the file's kind defines it (file
 * comment), on the file's frozen normaliser, and r_abs for the absorbing state. Owns its networks:
 * `dispose()`.
 */
export class LearnedReward {
  readonly record: RewardRecord;
  private readonly airl: AirlDiscriminator | undefined;
  private readonly gail: { readonly disc: Discriminator; readonly kind: RewardKind } | undefined;

  constructor(record: RewardRecord) {
    this.record = record;
    const a = record.architecture;
    const arrays = Object.fromEntries(record.tensors.map((t) => [t.name, namedArray(t.shape, t.data)]));
    if (a.kind === 'gail-discriminator') {
      const kind = parseRewardKind(a.reward);
      const disc = new Discriminator(a.obsDim, a.actDim, a.absorbing, { hiddenSizes: a.hidden }, new Rng(0));
      try {
        disc.mlp.loadArrays(arrays, 'reward/d');
        checkNorm(record, disc.inputNorm);
      } catch (err) {
        disc.dispose();
        throw err;
      }
      this.gail = { disc, kind };
      this.airl = undefined;
    } else {
      const disc = new AirlDiscriminator(
        a.obsDim,
        a.actDim,
        a.absorbing,
        { hiddenSizes: a.hidden, learningRate: 1e-3, gamma: record.gamma, labelSmoothing: 0, weightDecay: 0 },
        () => {
          throw new GailBridgeError('state', 'LearnedReward: scores states; it has no policy');
        },
        new Rng(0),
      );
      try {
        disc.g.loadArrays(arrays, 'reward/g');
        disc.h.loadArrays(arrays, 'reward/h');
        checkNorm(record, disc.stateNorm);
      } catch (err) {
        disc.dispose();
        throw err;
      }
      this.airl = disc;
      this.gail = undefined;
    }
  }

  /** Raw observation width the reward takes. */
  get obsDim(): number {
    return this.record.architecture.obsDim;
  }

  /** Whether the reward knows an absorbing state (then `absorbingReward` prices ending). */
  get absorbing(): boolean {
    return this.record.architecture.absorbing;
  }

  /** The file's γ. */
  get gamma(): number {
    return this.record.gamma;
  }

  /** r for n raw observations (n × obsDim) and the actions taken in them (n × actDim): a new array. */
  rewards(obs: Float32Array, actions: Float32Array, n: number): Float32Array {
    const rows = this.absorbing ? withIndicator(obs, this.obsDim) : obs;
    if (this.airl) return this.airl.reward(rows, n);
    const { disc, kind } = this.gail!;
    const logits = disc.logits({
      n,
      obsDim: this.obsDim + (this.absorbing ? 1 : 0),
      actDim: disc.actDim,
      absorbing: this.absorbing,
      obs: rows,
      acts: actions,
    });
    return rewardsFromLogits(logits, kind);
  }

  /** r_abs, the absorbing state's reward; NaN when the reward was learned without absorbing states. */
  absorbingReward(): number {
    if (!this.absorbing) return Number.NaN;
    if (this.airl) return this.airl.absorbingReward();
    return rewardOfLogit(this.gail!.disc.absorbingLogit(), this.gail!.kind);
  }

  /** Frees the networks. Idempotent. */
  dispose(): void {
    this.airl?.dispose();
    this.gail?.disc.dispose();
  }
}
