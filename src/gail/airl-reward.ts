/**
 * AIRL's learned reward ↔ reward file (src/data/reward-file.ts): the record of a trained
 * AirlDiscriminator, and the reward a file describes rebuilt for optimisation (`expert --reward`).
 * The rebuilt reward is an AirlDiscriminator itself, so that g(s) is computed by one piece of code
 * whether it is being learned or re-optimised.
 */
import { GailBridgeError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Spec } from '../core/spec.js';
import type { NamedTensor, TrainingMeta } from '../data/policy-file.js';
import { expectedRewardTensors, type RewardArchitecture, type RewardRecord } from '../data/reward-file.js';
import { namedArray } from '../learn/named-arrays.js';
import { withIndicator } from '../streams/pairs.js';
import { AirlDiscriminator } from './airl.js';

/** The reward file record of `disc` (g, h, the state normaliser, γ), learned on the env of `spec`. */
export function airlRewardRecord(disc: AirlDiscriminator, spec: Spec, training: TrainingMeta): RewardRecord {
  const architecture: RewardArchitecture = {
    kind: 'airl-state-only',
    obsDim: disc.obsDim,
    hidden: [...disc.options.hiddenSizes],
    activation: 'tanh',
    absorbing: disc.absorbing,
  };
  const arrays = disc.toArrays('reward');
  const tensors: NamedTensor[] = expectedRewardTensors(architecture).map(({ name }) => {
    const a = arrays[name];
    if (!a) throw new GailBridgeError('state', `reward record: the discriminator has no array "${name}"`);
    return { name, shape: [...a.shape], data: a.data };
  });
  const n = disc.stateNorm;
  return {
    spec,
    obsNorm: { mean: n.means(), var: n.variance(), count: n.count, epsilon: n.epsilon, clip: n.clip },
    architecture,
    tensors,
    gamma: disc.options.gamma,
    training,
  };
}

/**
 * A reward read from a file, ready to score observations: r(s) = g(s) on the file's normaliser (frozen),
 * and g(s_abs) for the absorbing state. Owns its networks: `dispose()`.
 */
export class LearnedReward {
  readonly record: RewardRecord;
  private readonly disc: AirlDiscriminator;

  constructor(record: RewardRecord) {
    this.record = record;
    const a = record.architecture;
    this.disc = new AirlDiscriminator(
      a.obsDim,
      1,
      a.absorbing,
      { hiddenSizes: a.hidden, learningRate: 1e-3, gamma: record.gamma, labelSmoothing: 0, weightDecay: 0 },
      () => {
        throw new GailBridgeError('state', 'LearnedReward: scores states; it has no policy');
      },
      new Rng(0),
    );
    try {
      const arrays = Object.fromEntries(record.tensors.map((t) => [t.name, namedArray(t.shape, t.data)]));
      this.disc.g.loadArrays(arrays, 'reward/g');
      this.disc.h.loadArrays(arrays, 'reward/h');
      const norm = this.disc.stateNorm;
      if (record.obsNorm.epsilon !== norm.epsilon || record.obsNorm.clip !== norm.clip)
        throw new GailBridgeError(
          'file',
          `reward file: normaliser epsilon/clip ${record.obsNorm.epsilon}/${record.obsNorm.clip} differ from ` +
            `the ${norm.epsilon}/${norm.clip} AIRL trains with`,
        );
      this.disc.stateNorm.setStatistics(record.obsNorm.mean, record.obsNorm.var, record.obsNorm.count);
      this.disc.stateNorm.frozen = true;
    } catch (err) {
      this.disc.dispose();
      throw err;
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

  /** g(s) for n raw observations (n × obsDim): a new array. */
  rewards(obs: Float32Array, n: number): Float32Array {
    return this.disc.reward(this.absorbing ? withIndicator(obs, this.obsDim) : obs, n);
  }

  /** g(s_abs); NaN when the reward was learned without absorbing states. */
  absorbingReward(): number {
    return this.absorbing ? this.disc.absorbingReward() : Number.NaN;
  }

  /** Frees the networks. Idempotent. */
  dispose(): void {
    this.disc.dispose();
  }
}
