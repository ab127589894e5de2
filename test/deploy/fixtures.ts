/** Policy records for deploy tests: small random Gaussian MLPs for a given spec (seeded, deterministic). */

import { Rng } from '../../src/core/rng.js';
import type { Spec } from '../../src/core/spec.js';
import { expectedTensors, type PolicyRecord } from '../../src/data/policy-file.js';

/** A tanh MLP with N(0, scale²) weights, zero biases, identity normaliser. */
export function randomPolicyRecord(
  spec: Spec,
  seed: number,
  hidden: number[] = [16, 16],
  scale = 0.3,
): PolicyRecord {
  const rng = new Rng(seed);
  const obsDim = spec.observation.names.length;
  const actDim = spec.action.names.length;
  const architecture = { kind: 'gaussian-mlp' as const, obsDim, actDim, hidden, activation: 'tanh' as const };
  const tensors = expectedTensors(architecture).map(({ name, shape }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (name.endsWith('/w')) for (let i = 0; i < n; i++) data[i] = rng.normal() * scale;
    return { name, shape, data };
  });
  return {
    spec,
    obsNorm: {
      mean: new Float64Array(obsDim),
      var: new Float64Array(obsDim).fill(1),
      count: 1,
      epsilon: 1e-8,
      clip: 10,
    },
    architecture,
    tensors,
    training: { algo: 'random', envSteps: 0, seed, date: '2026-01-01T00:00:00Z' },
  };
}
