/**
 * Errors that carry context and the fix (STYLE 12). Every error a user can trigger with bad input is a
 * `GailBridgeError` with a stable `code`, so callers and tests can tell kinds apart without parsing text.
 */

/** Stable error kinds, one map so the union stays in one place (STYLE 8). */
export const ERROR_CODES = {
  config: 'a configuration file or option is invalid',
  mjcf: 'an MJCF model could not be loaded',
  spec: 'two specs (observation/action layouts) disagree',
  shape: 'an array has the wrong length or shape',
  nonFinite: 'a value that must be finite is NaN or infinite',
  file: 'a data file (demo, bag, policy) is malformed or not ours',
  ros: 'ROS 2 is missing or a topic does not match',
  state: 'an object was used after dispose or out of order',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export class GailBridgeError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GailBridgeError';
    this.code = code;
  }
}

/** Throws a `shape` error naming both sides: "what: expected 11, got 9". */
export function assertLength(what: string, actual: number, expected: number): void {
  if (actual !== expected) {
    throw new GailBridgeError('shape', `${what}: expected length ${expected}, got ${actual}`);
  }
}

/** Throws a `nonFinite` error naming the first bad index, or returns. */
export function assertFinite(what: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      throw new GailBridgeError('nonFinite', `${what}: element ${i} is ${v} (all values must be finite)`);
    }
  }
}
