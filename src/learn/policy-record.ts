/**
 * The learners ↔ policy file adapter: a GaussianPolicy (+ value net + optimiser state) becomes the
 * framework-free `PolicyRecord` of src/data/policy-file.ts and back. Tensor names are those of the
 * learners' `toArrays` ("policy/mean/k/w", "policy/logStd", "value/k/w", "ppo/adam/m/i", …).
 */

import { GailBridgeError } from '../core/errors.js';
import type { Spec } from '../core/spec.js';
import {
  expectedTensors,
  type NamedTensor,
  type PolicyRecord,
  type TrainingMeta,
} from '../data/policy-file.js';
import { GaussianPolicy } from './gaussian-policy.js';
import type { NamedArrays } from './named-arrays.js';

/** What to save besides the policy: a learner's `toArrays()` output (value net, optimiser state). */
export interface RecordExtras {
  /** Hidden widths of the value net when `arrays` holds one ("value/…"). */
  readonly valueHidden?: readonly number[];
  /** Every array of the learner; policy and normaliser arrays in it are ignored (taken from the policy). */
  readonly arrays?: NamedArrays;
}

/** Builds the policy file record of `policy` for `spec`; value net and optimiser state from `extras`. */
export function policyToRecord(
  policy: GaussianPolicy,
  spec: Spec,
  training: TrainingMeta,
  extras: RecordExtras = {},
): PolicyRecord {
  const architecture = {
    kind: 'gaussian-mlp' as const,
    obsDim: policy.obsDim,
    actDim: policy.actDim,
    hidden: [...policy.config.hiddenSizes],
    activation: policy.config.activation,
    ...(policy.config.output === 'tanh' ? { output: 'tanh' as const } : {}),
    ...(extras.valueHidden && extras.arrays?.['value/0/w'] ? { valueHidden: [...extras.valueHidden] } : {}),
  };
  const all: NamedArrays = { ...extras.arrays, ...policy.toArrays() };
  const tensors: NamedTensor[] = expectedTensors(architecture).map(({ name }) => {
    const a = all[name];
    if (!a) throw new GailBridgeError('state', `policy record: the learner has no array "${name}"`);
    return { name, shape: [...a.shape], data: a.data };
  });
  const stored = new Set([...tensors.map((t) => t.name)]);
  const optimizer: NamedTensor[] = Object.entries(all)
    .filter(([name]) => !stored.has(name) && !name.startsWith('obsNorm/'))
    .map(([name, a]) => ({ name, shape: [...a.shape], data: a.data }));
  return {
    spec,
    obsNorm: {
      mean: policy.obsNorm.means(),
      var: policy.obsNorm.variance(),
      count: policy.obsNorm.count,
      epsilon: policy.obsNorm.epsilon,
      clip: policy.obsNorm.clip,
    },
    architecture,
    tensors,
    training,
    ...(optimizer.length > 0 ? { optimizer } : {}),
  };
}

/** Every tensor of a record (weights and optimiser state) by name, for a learner's `loadArrays`. */
export function recordArrays(record: PolicyRecord): NamedArrays {
  const out: Record<string, { shape: readonly number[]; data: Float32Array }> = {};
  for (const t of [...record.tensors, ...(record.optimizer ?? [])])
    out[t.name] = { shape: t.shape, data: t.data };
  return out;
}

/**
 * Rebuilds the policy a record describes (weights, log σ, normaliser statistics). `seed` seeds its
 * sampling noise. The normaliser is frozen when `frozen` (deployment, evaluation, demos).
 */
export function policyFromRecord(record: PolicyRecord, seed: number, frozen = false): GaussianPolicy {
  const a = record.architecture;
  const policy = new GaussianPolicy(
    {
      obsDim: a.obsDim,
      actDim: a.actDim,
      hiddenSizes: a.hidden,
      activation: a.activation,
      normalizer: { epsilon: record.obsNorm.epsilon, clip: record.obsNorm.clip },
      ...(a.output === 'tanh' ? { output: 'tanh' as const, actionBounds: boundsOfRecord(record) } : {}),
    },
    seed,
  );
  try {
    const arrays = recordArrays(record);
    policy.mean.loadArrays(arrays, 'policy/mean');
    policy.loadLogStd(arrays);
    policy.obsNorm.setStatistics(record.obsNorm.mean, record.obsNorm.var, record.obsNorm.count);
    policy.obsNorm.frozen = frozen;
    return policy;
  } catch (err) {
    policy.dispose();
    throw err;
  }
}

/**
 * The action bounds a tanh-output record's scale and offset encode: low = offset − scale, high = offset +
 * scale (the record stores them as tensors so that framework-free readers need no spec).
 */
function boundsOfRecord(record: PolicyRecord): { low: number[]; high: number[] } {
  const arrays = recordArrays(record);
  const d = record.architecture.actDim;
  const scale = arrays['policy/actionScale']?.data;
  const offset = arrays['policy/actionOffset']?.data;
  if (!scale || !offset || scale.length !== d || offset.length !== d)
    throw new GailBridgeError(
      'file',
      'policy record: a tanh output needs policy/actionScale and policy/actionOffset',
    );
  return {
    low: Array.from(offset, (o, j) => o - scale[j]!),
    high: Array.from(offset, (o, j) => o + scale[j]!),
  };
}
