/**
 * Reward files: a reward learned by an adversarial run, with everything needed to optimise it again from
 * scratch (`expert --reward FILE`) and to check it fits the env. Two kinds:
 *
 * - `airl-state-only` (`train --algo airl`, Fu et al. 2018): the state-only reward g(s) and the shaping
 *   potential h(s) (MLPs), the observation normaliser they were trained with, and the discount γ of
 *   f = g(s) + γ h(s′) − h(s). The reward is g(s).
 * - `gail-discriminator` (`train --algo gail`, Ho & Ermon 2016): D(s, a)'s MLP (spectral normalisation,
 *   when on, folded into the weights), its [observation, action] normaliser, and how its logit became
 *   the policy's reward (`reward`: gail, logD, logit). The reward is that of D's logit, as in training.
 *
 * Both also carry the spec of the env they were learned on and γ (the learner's discount). Framework-free,
 * like policy files: src/gail/learned-reward.ts converts the networks to and from `RewardRecord`.
 *
 * Layout: the frame of framed-file.ts (magic "GBREWARD", format version 1, payload length, SHA-256), then
 * the payload: gail_bridge.RewardPayload (protobuf). A truncated, altered or foreign file (a policy file,
 * a demo file) is refused by its frame before any protobuf is decoded; the record is then validated:
 * tensor names and shapes against the architecture, the architecture against the spec, every weight and
 * statistic finite, γ in [0, 1).
 */
import { GailBridgeError } from '../core/errors.js';
import { assertSpecsMatch, type Spec, spaceDim } from '../core/spec.js';
import { writeFileAtomic } from './atomic-file.js';
import { decodeFramed, encodeFramed, type FrameKind, readFramedFile } from './framed-file.js';
import {
  coreFromProto,
  coreToProto,
  mlpTensors,
  type NamedTensor,
  type ObsNormalizerStats,
  type TrainingMeta,
  validateNormalizer,
  validateTensors,
} from './policy-file.js';
import { RewardPayloadCodec } from './proto.js';

/** Reward architectures, one map (STYLE 8). */
export const REWARD_ARCHITECTURES = {
  'airl-state-only':
    'AIRL with a state-only reward: g(s) and the shaping potential h(s), tanh MLPs on the normalised state',
  'gail-discriminator':
    "GAIL's discriminator D(s, a), a tanh MLP on the normalised [observation, action]; reward from its logit",
} as const;
export type RewardArchitectureKind = keyof typeof REWARD_ARCHITECTURES;

/** The networks' shapes. */
export interface RewardArchitecture {
  readonly kind: RewardArchitectureKind;
  /** Raw observation width (the spec's), without the absorbing indicator. */
  readonly obsDim: number;
  /** Action width (the spec's): D's input; informational for a state-only reward. */
  readonly actDim: number;
  /** Hidden widths of g and of h, or of D. */
  readonly hidden: readonly number[];
  readonly activation: 'tanh';
  /** The input has the absorbing indicator right after the observation (Kostrikov et al. 2019). */
  readonly absorbing: boolean;
  /** gail-discriminator: how D's logit became the reward ("gail", "logD", "logit"); "" for AIRL. */
  readonly reward: string;
}

/** Everything a reward file holds; `tensors` in the order of `expectedRewardTensors`. */
export interface RewardRecord {
  /** The env the reward was learned on. */
  readonly spec: Spec;
  /** The input normaliser: of the raw observation (AIRL, obsDim), of [observation, action] (GAIL). */
  readonly obsNorm: ObsNormalizerStats;
  readonly architecture: RewardArchitecture;
  readonly tensors: readonly NamedTensor[];
  /** Discount of the shaping term, the one AIRL trained with. */
  readonly gamma: number;
  readonly training: TrainingMeta;
}

/** The first bytes of every reward file. */
export const REWARD_FILE_MAGIC = 'GBREWARD';
const REWARD_FRAME: FrameKind = {
  magic: REWARD_FILE_MAGIC,
  version: 1,
  noun: 'reward',
  maxPayloadBytes: 1 << 28,
};

/**
 * The tensors a reward file stores, in file order (k = 0..hidden.length, last out = 1):
 *
 *   airl-state-only      reward/g/k/w [in_k × out_k], reward/g/k/b [out_k], then reward/h/…; in_0 = obsDim (+1)
 *   gail-discriminator   reward/d/k/w, reward/d/k/b; in_0 = obsDim (+1) + actDim
 */
export function expectedRewardTensors(arch: RewardArchitecture): { name: string; shape: number[] }[] {
  const state = arch.obsDim + (arch.absorbing ? 1 : 0);
  const mlp = (prefix: string, inputDim: number) => mlpTensors(prefix, [inputDim, ...arch.hidden, 1]);
  return arch.kind === 'gail-discriminator'
    ? mlp('reward/d', state + arch.actDim)
    : [...mlp('reward/g', state), ...mlp('reward/h', state)];
}

/** Width of the stored normaliser: the observation (AIRL) or [observation, action] (GAIL's D). */
export function rewardNormDim(arch: RewardArchitecture): number {
  return arch.kind === 'gail-discriminator' ? arch.obsDim + arch.actDim : arch.obsDim;
}

/** Checks a record's invariants; throws naming `what` and the part. */
export function validateRewardRecord(record: RewardRecord, what: string): void {
  const bad = (code: 'shape' | 'spec' | 'file', msg: string): never => {
    throw new GailBridgeError(code, `${what}: ${msg}`);
  };
  const a = record.architecture;
  if (!Object.hasOwn(REWARD_ARCHITECTURES, a.kind))
    bad('file', `reward kind "${a.kind}" is not one of ${Object.keys(REWARD_ARCHITECTURES).join(', ')}`);
  if (a.activation !== 'tanh') bad('file', `activation "${a.activation}" is not supported (tanh)`);
  const obsDim = spaceDim(record.spec.observation);
  const actDim = spaceDim(record.spec.action);
  if (a.obsDim !== obsDim || a.actDim !== actDim)
    bad(
      'spec',
      `the reward's networks take ${a.obsDim} observations and ${a.actDim} actions but its spec has ${obsDim} and ${actDim}`,
    );
  if ((a.kind === 'gail-discriminator') !== (a.reward !== ''))
    bad('file', `reward kind "${a.reward}" given for ${a.kind} (only a gail-discriminator has one)`);
  for (const w of a.hidden)
    if (!Number.isInteger(w) || w <= 0) bad('shape', `hidden width ${w} is not a positive integer`);
  if (!(record.gamma >= 0 && record.gamma < 1)) bad('file', `gamma ${record.gamma} is not in [0, 1)`);
  validateTensors(record.tensors, expectedRewardTensors(a), what);
  validateNormalizer(record.obsNorm, rewardNormDim(a), what);
}

/** Encodes a validated record as the bytes of a reward file. */
export function encodeRewardFile(record: RewardRecord, what = 'reward'): Uint8Array {
  validateRewardRecord(record, what);
  const a = record.architecture;
  const payload = RewardPayloadCodec.encode({
    ...coreToProto(record),
    architecture: {
      kind: a.kind,
      obsDim: a.obsDim,
      hidden: [...a.hidden],
      activation: a.activation,
      absorbing: a.absorbing,
      actDim: a.actDim,
      reward: a.reward,
    },
    gamma: record.gamma,
  });
  return encodeFramed(REWARD_FRAME, payload);
}

/** Decodes and validates the bytes of a reward file; `what` (the path) names it in errors. */
export function decodeRewardFile(bytes: Uint8Array, what: string): RewardRecord {
  const p = RewardPayloadCodec.decode(decodeFramed(REWARD_FRAME, bytes, what), what);
  const core = coreFromProto(p, what, REWARD_FRAME.maxPayloadBytes);
  const arch = p.architecture!;
  const record: RewardRecord = {
    ...core,
    architecture: {
      kind: (arch.kind ?? '') as RewardArchitectureKind,
      obsDim: arch.obsDim ?? 0,
      hidden: [...(arch.hidden ?? [])],
      activation: (arch.activation ?? '') as 'tanh',
      absorbing: arch.absorbing ?? false,
      actDim: arch.actDim ?? 0,
      reward: arch.reward ?? '',
    },
    gamma: p.gamma ?? Number.NaN,
  };
  validateRewardRecord(record, what);
  return record;
}

/** Writes a reward file atomically (the one writer, atomic-file.ts); refuses non-finite weights. */
export function writeRewardFile(path: string, record: RewardRecord): void {
  writeFileAtomic(path, encodeRewardFile(record, path), 'reward file');
}

/**
 * Reads and validates a reward file. With `expectObsDim` / `expectActDim` (the env it will be optimised
 * on), a different observation or action width is refused naming both sizes; with `expectSpec`, every
 * difference of the spec.
 */
export async function readRewardFile(
  path: string,
  options: {
    readonly expectObsDim?: number;
    readonly expectActDim?: number;
    readonly expectSpec?: Spec;
    readonly env?: string;
  } = {},
): Promise<RewardRecord> {
  const record = decodeRewardFile(await readFramedFile(REWARD_FRAME, path), path);
  const env = options.env ?? 'the env';
  const a = record.architecture;
  if (options.expectObsDim !== undefined && options.expectObsDim !== a.obsDim)
    throw new GailBridgeError(
      'spec',
      `${path}: the reward takes ${a.obsDim} observations, ${env} gives ${options.expectObsDim}; ` +
        'a reward can only be optimised on an env with the observation it was learned on',
    );
  if (options.expectActDim !== undefined && options.expectActDim !== a.actDim)
    throw new GailBridgeError(
      'spec',
      `${path}: the reward was learned with ${a.actDim} actions, ${env} takes ${options.expectActDim}`,
    );
  if (options.expectSpec) assertSpecsMatch(`${path} vs ${env}`, options.expectSpec, record.spec);
  return record;
}
