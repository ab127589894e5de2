/**
 * Framework-free weights: named float32 arrays with shapes, the form in which networks, normalisers and
 * optimiser state leave TensorFlow.js (for the policy file of src/data, checkpoints and tests).
 */
import { GailBridgeError } from '../core/errors.js';

/** One array: `data.length` = product of `shape`, row-major. */
export interface NamedArray {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Arrays by name, e.g. "policy/mean/0/w" → 11 × 64. */
export type NamedArrays = Readonly<Record<string, NamedArray>>;

/** Number of elements of a shape (1 for a scalar []). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Returns `arrays[name]`, checking that it exists with `shape`; the error names the file part and the fix. */
export function takeArray(
  arrays: NamedArrays,
  name: string,
  shape: readonly number[],
  context: string,
): Float32Array {
  const a = arrays[name];
  if (!a) {
    const have = Object.keys(arrays).sort().join(', ') || '(none)';
    throw new GailBridgeError(
      'file',
      `${context}: missing array "${name}" (have: ${have}); was this saved by a different network?`,
    );
  }
  const same = a.shape.length === shape.length && a.shape.every((d, i) => d === shape[i]);
  if (!same || a.data.length !== shapeSize(shape)) {
    throw new GailBridgeError(
      'shape',
      `${context}: array "${name}" has shape [${a.shape.join(', ')}] (${a.data.length} values), ` +
        `expected [${shape.join(', ')}]; the saved network's sizes differ from the configured ones`,
    );
  }
  return a.data;
}

/** Copies an array into a NamedArray (so later changes to the source do not alias the saved copy). */
export function namedArray(shape: readonly number[], data: ArrayLike<number>): NamedArray {
  return { shape: [...shape], data: Float32Array.from(data) };
}
