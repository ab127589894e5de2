/**
 * Policy files: one file per policy, with everything needed to run it and to check it fits a robot
 * (DESIGN.md, Data; specs/failure-cases.md, "policy file" and "crash" rows). Framework-free: the learner
 * converts its TensorFlow.js networks to and from `PolicyRecord` (tensor names match src/learn's
 * `toArrays`).
 *
 * Layout: the frame of framed-file.ts (magic "GBPOLICY", format version 1, payload length, SHA-256),
 * then the payload: gail_bridge.PolicyPayload (protobuf).
 *
 * The size and the hash are checked before any protobuf is decoded, so a truncated, extended or altered
 * file is refused by its size or hash, not half-parsed. The record is then validated: shapes against the
 * architecture, the architecture against the spec, every weight and statistic finite.
 */
import { assertFinite, GailBridgeError } from '../core/errors.js';
import { assertSpecsMatch, type Spec, spaceDim } from '../core/spec.js';
import { writeFileAtomic } from './atomic-file.js';
import { decodeFramed, encodeFramed, type FrameKind, readFramedFile } from './framed-file.js';
import { compilePolicyMean } from './policy-mean.js';
import {
  bytesToFloat32,
  float32ToBytes,
  fromKeyValues,
  type gail_bridge,
  PolicyPayloadCodec,
  specFromProto,
  specToProto,
  toKeyValues,
} from './proto.js';

/** Hidden-layer nonlinearities (same names as src/learn's ACTIVATIONS). */
export const POLICY_ACTIVATIONS = {
  tanh: 'tanh',
  relu: 'max(0, x)',
} as const;
export type PolicyActivation = keyof typeof POLICY_ACTIVATIONS;

/** A Gaussian policy whose mean is an MLP; log σ is a state-independent vector. */
export interface GaussianMlpArchitecture {
  readonly kind: 'gaussian-mlp';
  readonly obsDim: number;
  readonly actDim: number;
  /** Hidden layer widths of the mean network, input side first. */
  readonly hidden: readonly number[];
  readonly activation: PolicyActivation;
  /** Hidden widths of the value network when one is stored (output width 1). */
  readonly valueHidden?: readonly number[];
  /**
   * The mean's output layer: absent, linear (every policy before DAC); 'tanh', bounded:
   * mean = policy/actionOffset + policy/actionScale · tanh(z) (TD3's deterministic actor, `train --algo dac`).
   */
  readonly output?: 'tanh';
}

/** A float32 tensor, row-major: `data.length` = product of `shape`. */
export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Observation normaliser: obsNorm = clip((obs − mean) / sqrt(var + epsilon), ±clip). */
export interface ObsNormalizerStats {
  /** obsDim means. */
  readonly mean: Float64Array;
  /** obsDim population variances (≥ 0). */
  readonly var: Float64Array;
  /** Observations the statistics were computed from. */
  readonly count: number;
  readonly epsilon: number;
  /** Clip bound for normalised values; Infinity for none. */
  readonly clip: number;
}

/** How the policy was trained (information; `evalReturn` is the mean return of the last evaluation). */
export interface TrainingMeta {
  readonly algo: string;
  readonly envSteps: number;
  readonly seed: number;
  /** ISO 8601. */
  readonly date: string;
  readonly evalReturn?: number;
  readonly extra?: Readonly<Record<string, string>>;
}

/**
 * Everything a policy file holds. `tensors` are in the order of `expectedTensors(architecture)`;
 * `optimizer` (named tensors, any shapes) lets training resume.
 */
export interface PolicyRecord {
  readonly spec: Spec;
  readonly obsNorm: ObsNormalizerStats;
  readonly architecture: GaussianMlpArchitecture;
  readonly tensors: readonly NamedTensor[];
  readonly training: TrainingMeta;
  readonly optimizer?: readonly NamedTensor[];
}

/** The first bytes of every policy file. */
export const POLICY_FILE_MAGIC = 'GBPOLICY';
/** Largest payload read (policies are MiBs; this guards allocation on a corrupt length). */
export const MAX_POLICY_PAYLOAD_BYTES = 1 << 30;
/** The policy file's frame (framed-file.ts: magic, version 1, length, SHA-256). */
const POLICY_FRAME: FrameKind = {
  magic: POLICY_FILE_MAGIC,
  version: 1,
  noun: 'policy',
  maxPayloadBytes: MAX_POLICY_PAYLOAD_BYTES,
};

/**
 * The tensors a `gaussian-mlp` stores, in file order:
 *
 *   policy/mean/k/w  [in_k × out_k], policy/mean/k/b [out_k]  for k = 0..hidden.length (last: out = actDim)
 *   policy/logStd    [actDim]
 *   policy/actionScale, policy/actionOffset [actDim]          when output is 'tanh'
 *   value/k/w, value/k/b                                       when valueHidden is set (last: out = 1)
 */
export function expectedTensors(arch: GaussianMlpArchitecture): { name: string; shape: number[] }[] {
  return [
    ...mlpTensors('policy/mean', [arch.obsDim, ...arch.hidden, arch.actDim]),
    { name: 'policy/logStd', shape: [arch.actDim] },
    ...(arch.output === 'tanh'
      ? [
          { name: 'policy/actionScale', shape: [arch.actDim] },
          { name: 'policy/actionOffset', shape: [arch.actDim] },
        ]
      : []),
    ...(arch.valueHidden ? mlpTensors('value', [arch.obsDim, ...arch.valueHidden, 1]) : []),
  ];
}

/** An MLP's tensors for layer widths `dims` (input first): `prefix`/k/w [dims_k × dims_k+1], `prefix`/k/b. */
export function mlpTensors(prefix: string, dims: readonly number[]): { name: string; shape: number[] }[] {
  return dims.slice(1).flatMap((out, k) => [
    { name: `${prefix}/${k}/w`, shape: [dims[k]!, out] },
    { name: `${prefix}/${k}/b`, shape: [out] },
  ]);
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Checks a file's tensors (policy and reward files) against `expected`: their number, then each one's
 * name and shape in order, then that every tensor of `tensors` and `extra` (a policy's optimiser state,
 * any shapes) holds as many values as its shape and all finite. Errors start with `what`.
 */
export function validateTensors(
  tensors: readonly NamedTensor[],
  expected: readonly { readonly name: string; readonly shape: readonly number[] }[],
  what: string,
  extra: readonly NamedTensor[] = [],
): void {
  const bad = (msg: string): never => {
    throw new GailBridgeError('shape', `${what}: ${msg}`);
  };
  if (tensors.length !== expected.length) {
    bad(
      `expected ${expected.length} tensors (${expected.map((e) => e.name).join(', ')}), got ${tensors.length}`,
    );
  }
  expected.forEach((e, i) => {
    const t = tensors[i]!;
    if (t.name !== e.name) bad(`tensor ${i}: expected ${e.name}, got ${t.name}`);
    if (t.shape.length !== e.shape.length || t.shape.some((d, j) => d !== e.shape[j])) {
      bad(`tensor ${e.name}: expected shape [${e.shape}], got [${t.shape}]`);
    }
  });
  for (const t of [...tensors, ...extra]) {
    if (t.data.length !== product(t.shape)) {
      bad(`tensor ${t.name}: shape [${t.shape}] needs ${product(t.shape)} values, got ${t.data.length}`);
    }
    assertFinite(`${what}: tensor ${t.name}`, t.data);
  }
}

/**
 * Checks a record's invariants; throws naming `what` and the part: architecture vs spec, tensor names,
 * order and shapes, finiteness of weights and statistics.
 */
export function validatePolicyRecord(record: PolicyRecord, what: string): void {
  const bad = (code: 'shape' | 'spec', msg: string): never => {
    throw new GailBridgeError(code, `${what}: ${msg}`);
  };
  const a = record.architecture;
  if (a.kind !== 'gaussian-mlp')
    bad('shape', `architecture kind "${a.kind}" is not supported (gaussian-mlp)`);
  if (!Object.hasOwn(POLICY_ACTIVATIONS, a.activation)) {
    bad('shape', `activation "${a.activation}" is not one of ${Object.keys(POLICY_ACTIVATIONS).join(', ')}`);
  }
  if (a.output !== undefined && a.output !== 'tanh')
    bad('shape', `output "${a.output}" is not supported (tanh, or none for a linear mean)`);
  const obsDim = spaceDim(record.spec.observation);
  const actDim = spaceDim(record.spec.action);
  if (a.obsDim !== obsDim || a.actDim !== actDim) {
    bad('spec', `architecture is ${a.obsDim} → ${a.actDim} but the spec is ${obsDim} → ${actDim}`);
  }
  for (const w of [...a.hidden, ...(a.valueHidden ?? [])]) {
    if (!Number.isInteger(w) || w <= 0) bad('shape', `hidden width ${w} is not a positive integer`);
  }
  validateTensors(record.tensors, expectedTensors(a), what, record.optimizer);
  validateNormalizer(record.obsNorm, obsDim, what);
}

/** Checks a file's normaliser of `dim` inputs (policy and reward files); errors start with `what`. */
export function validateNormalizer(n: ObsNormalizerStats, dim: number, what: string): void {
  const bad = (msg: string): never => {
    throw new GailBridgeError('shape', `${what}: normaliser${msg}`);
  };
  if (n.mean.length !== dim || n.var.length !== dim)
    bad(`: expected ${dim} means and variances, got ${n.mean.length} and ${n.var.length}`);
  assertFinite(`${what}: normaliser mean`, n.mean);
  assertFinite(`${what}: normaliser var`, n.var);
  if (n.var.some((v) => v < 0)) bad(': a variance is negative');
  if (!(n.epsilon >= 0 && Number.isFinite(n.epsilon))) bad(` epsilon ${n.epsilon} is invalid`);
  if (!(n.clip > 0)) bad(` clip ${n.clip} must be > 0 (Infinity for none)`);
  if (!(n.count >= 0)) bad(` count ${n.count} is invalid`);
}

/** A normaliser as the payloads store it (clip 0 for none). */
export function normalizerToProto(n: ObsNormalizerStats): gail_bridge.Normalizer.$Properties {
  return {
    mean: [...n.mean],
    var: [...n.var],
    count: n.count,
    epsilon: n.epsilon,
    clip: Number.isFinite(n.clip) ? n.clip : 0,
  };
}

/** A payload's normaliser (clip 0 read as none). */
export function normalizerFromProto(n: gail_bridge.Normalizer.$Properties): ObsNormalizerStats {
  return {
    mean: Float64Array.from(n.mean ?? []),
    var: Float64Array.from(n.var ?? []),
    count: n.count ?? 0,
    epsilon: n.epsilon ?? 0,
    clip: !n.clip ? Number.POSITIVE_INFINITY : n.clip,
  };
}

/** A tensor as the payloads store it. */
export function tensorToProto(t: NamedTensor): gail_bridge.Tensor.$Properties {
  return { name: t.name, shape: [...t.shape], data: float32ToBytes(t.data) };
}

/**
 * A payload's tensor; a shape of more float32 values than `maxPayloadBytes` could hold (a corrupt file)
 * is refused before anything is allocated.
 */
export function tensorFromProto(
  t: gail_bridge.Tensor.$Properties,
  what: string,
  maxPayloadBytes: number,
): NamedTensor {
  const shape = [...(t.shape ?? [])];
  const n = product(shape);
  if (!Number.isSafeInteger(n) || n > maxPayloadBytes / 4) {
    throw new GailBridgeError('file', `${what}: tensor ${t.name}: shape [${shape}] is impossibly large`);
  }
  const name = t.name ?? '';
  return { name, shape, data: bytesToFloat32(t.data, n, `${what}: tensor ${name}`) };
}

/** How the network was trained, as the payloads store it. */
export function trainingToProto(m: TrainingMeta): gail_bridge.TrainingMeta.$Properties {
  return {
    algo: m.algo,
    envSteps: m.envSteps,
    seed: m.seed,
    date: m.date,
    evalReturn: m.evalReturn,
    extra: toKeyValues(m.extra),
  };
}

/** A payload's training record (absent fields: empty, 0; no evaluation return or extras: none). */
export function trainingFromProto(m: gail_bridge.TrainingMeta.$Properties): TrainingMeta {
  return {
    algo: m.algo ?? '',
    envSteps: m.envSteps ?? 0,
    seed: m.seed ?? 0,
    date: m.date ?? '',
    ...(m.evalReturn != null ? { evalReturn: m.evalReturn } : {}),
    ...(m.extra?.length ? { extra: fromKeyValues(m.extra) } : {}),
  };
}

/** What a policy file and a reward file both carry: the spec, the input normaliser, weights and training record. */
export interface ModelRecordCore {
  readonly spec: Spec;
  readonly obsNorm: ObsNormalizerStats;
  readonly tensors: readonly NamedTensor[];
  readonly training: TrainingMeta;
}

/** The payload fields of `ModelRecordCore` (PolicyPayload and RewardPayload name them alike). */
export function coreToProto(r: ModelRecordCore): {
  spec: gail_bridge.Spec.$Properties;
  obsNorm: gail_bridge.Normalizer.$Properties;
  tensors: gail_bridge.Tensor.$Properties[];
  training: gail_bridge.TrainingMeta.$Properties;
} {
  return {
    spec: specToProto(r.spec),
    obsNorm: normalizerToProto(r.obsNorm),
    tensors: r.tensors.map(tensorToProto),
    training: trainingToProto(r.training),
  };
}

/**
 * `ModelRecordCore` from a decoded payload; a payload without its architecture, normaliser or training
 * record is refused (`what` names the file). Not yet validated: the caller validates the whole record.
 */
export function coreFromProto(
  p: {
    readonly spec?: gail_bridge.Spec.$Properties | null;
    readonly obsNorm?: gail_bridge.Normalizer.$Properties | null;
    readonly tensors?: gail_bridge.Tensor.$Properties[] | null;
    readonly training?: gail_bridge.TrainingMeta.$Properties | null;
    readonly architecture?: unknown;
  },
  what: string,
  maxPayloadBytes: number,
): ModelRecordCore {
  if (!p.architecture || !p.obsNorm || !p.training)
    throw new GailBridgeError(
      'file',
      `${what}: the payload lacks its architecture, normaliser or training record`,
    );
  return {
    spec: specFromProto(p.spec, what),
    obsNorm: normalizerFromProto(p.obsNorm),
    tensors: (p.tensors ?? []).map((t) => tensorFromProto(t, what, maxPayloadBytes)),
    training: trainingFromProto(p.training),
  };
}

/** Encodes a validated record as the bytes of a policy file (header + payload). */
export function encodePolicyFile(record: PolicyRecord, what = 'policy'): Uint8Array {
  validatePolicyRecord(record, what);
  const a = record.architecture;
  const payload = PolicyPayloadCodec.encode({
    ...coreToProto(record),
    architecture: {
      kind: a.kind,
      obsDim: a.obsDim,
      actDim: a.actDim,
      hidden: [...a.hidden],
      activation: a.activation,
      hasValue: a.valueHidden !== undefined,
      valueHidden: [...(a.valueHidden ?? [])],
      output: a.output ?? '',
    },
    optimizer: (record.optimizer ?? []).map(tensorToProto),
  });
  return encodeFramed(POLICY_FRAME, payload);
}

/** Decodes and validates the bytes of a policy file; `what` (the path) names it in errors. */
export function decodePolicyFile(bytes: Uint8Array, what: string): PolicyRecord {
  const p = PolicyPayloadCodec.decode(decodeFramed(POLICY_FRAME, bytes, what), what);
  const core = coreFromProto(p, what, MAX_POLICY_PAYLOAD_BYTES);
  const arch = p.architecture!;
  const record: PolicyRecord = {
    ...core,
    architecture: {
      kind: (arch.kind ?? '') as 'gaussian-mlp',
      obsDim: arch.obsDim ?? 0,
      actDim: arch.actDim ?? 0,
      hidden: [...(arch.hidden ?? [])],
      activation: (arch.activation ?? '') as PolicyActivation,
      ...(arch.hasValue ? { valueHidden: [...(arch.valueHidden ?? [])] } : {}),
      ...(arch.output ? { output: arch.output as 'tanh' } : {}),
    },
    optimizer: (p.optimizer ?? []).map((t) =>
      tensorFromProto(t, `${what} (optimiser state)`, MAX_POLICY_PAYLOAD_BYTES),
    ),
  };
  validatePolicyRecord(record, what);
  return record;
}

/**
 * Writes a policy file atomically (the one writer, atomic-file.ts: temp file, fsync, rename over `path`,
 * fsync of the folder), so a crash leaves the old file or the new one, never a mix. Refuses non-finite
 * weights.
 */
export async function writePolicyFile(path: string, record: PolicyRecord): Promise<void> {
  writeFileAtomic(path, encodePolicyFile(record, path), 'policy file');
}

/**
 * Reads and validates a policy file. With `expectSpec`, also checks it against the spec of the env or
 * robot it is for (a `spec` error listing every difference).
 */
export async function readPolicyFile(
  path: string,
  options: { expectSpec?: Spec } = {},
): Promise<PolicyRecord> {
  const bytes = await readFramedFile(POLICY_FRAME, path);
  const record = decodePolicyFile(bytes, path);
  if (options.expectSpec) assertSpecsMatch(`${path} vs the env`, options.expectSpec, record.spec);
  return record;
}

/**
 * The policy's mean action for n × obsDim raw observations (normalise → MLP), in float64: a
 * framework-free reference for deploy checks and for testing exports.
 */
export function policyMean(record: PolicyRecord, obs: ArrayLike<number>, n: number): Float64Array {
  return Float64Array.from(compilePolicyMean(record)(obs, n));
}

export { compilePolicyMean } from './policy-mean.js';
