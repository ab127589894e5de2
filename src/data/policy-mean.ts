/**
 * The policy's mean action, framework-free: obsNorm = clip((obs − mean) / sqrt(var + ε), ±clip), then the
 * MLP (hidden layers tanh or relu, linear output; with `output: 'tanh'`, offset + scale · tanh of it). Used by deploy's control loop, as the reference for
 * exports, and by the view page, which bundles this file for the browser (so it imports only types).
 */
import type { PolicyRecord } from './policy-file.js';

/**
 * `policyMean` with the weights looked up once and the layer buffers kept between calls, for deploy's
 * control loop: a call allocates nothing, so it gives the garbage collector less reason to pause a cycle.
 * The returned array is reused by the next call; copy it to keep it.
 */
export function compilePolicyMean(
  record: Pick<PolicyRecord, 'architecture' | 'tensors' | 'obsNorm'>,
): (obs: ArrayLike<number>, n: number) => Float64Array {
  const a = record.architecture;
  const byName = new Map(record.tensors.map((t) => [t.name, t.data]));
  const layers = [...a.hidden, a.actDim].map((out, k) => ({
    w: byName.get(`policy/mean/${k}/w`)!,
    b: byName.get(`policy/mean/${k}/b`)!,
    out,
    last: k === a.hidden.length,
  }));
  const { mean, epsilon, clip } = record.obsNorm;
  const scale = Float64Array.from(record.obsNorm.var, (v) => 1 / Math.sqrt(v + epsilon));
  const tanh = a.activation === 'tanh';
  const bounded = a.output === 'tanh';
  const outScale = byName.get('policy/actionScale');
  const outOffset = byName.get('policy/actionOffset');
  let rows = 0;
  let buffers: Float64Array[] = [];
  return (obs, n) => {
    if (n !== rows) {
      rows = n;
      buffers = [a.obsDim, ...layers.map((l) => l.out)].map((width) => new Float64Array(n * width));
    }
    const d = a.obsDim;
    let h = buffers[0]!;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < d; j++) {
        const z = (obs[r * d + j]! - mean[j]!) * scale[j]!;
        h[r * d + j] = Math.min(clip, Math.max(-clip, z));
      }
    }
    let width = d;
    // Indexed loops, no iterator or destructuring: deploy calls this every control cycle, and an
    // allocation there is where a garbage-collection pause can land inside the cycle (a deadline miss).
    for (let k = 0; k < layers.length; k++) {
      const { w, b, out, last } = layers[k]!;
      const next = buffers[k + 1]!;
      for (let r = 0; r < n; r++) {
        for (let o = 0; o < out; o++) {
          let s = b[o]!;
          for (let i = 0; i < width; i++) s += h[r * width + i]! * w[i * out + o]!;
          next[r * out + o] = last
            ? bounded
              ? outOffset![o]! + outScale![o]! * Math.tanh(s)
              : s
            : tanh
              ? Math.tanh(s)
              : Math.max(0, s);
        }
      }
      h = next;
      width = out;
    }
    return h;
  };
}
