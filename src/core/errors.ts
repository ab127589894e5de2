/**
 * Errors that carry context and the fix (STYLE 12). Every error a user can trigger with bad input is a
 * `GailBridgeError` with a stable `code`, so callers and tests can tell kinds apart without parsing text.
 */

/** Stable error kinds, one map so the union stays in one place (STYLE 8). */
export const ERROR_CODES = {
  usage: 'a command-line option is missing, malformed or conflicts with another',
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

/**
 * Why reading `path` failed, in words a user can act on, from a Node.js file-system error: a directory
 * given for a file ("X is a directory, expected a file"), a missing file, missing permission. `what`
 * names the input ("policy file", "config"). No I/O here: readers pass the error they caught.
 */
export function fileReadError(
  what: string,
  path: string,
  err: unknown,
  code: ErrorCode = 'file',
): GailBridgeError {
  const errno = (err as { code?: unknown } | null)?.code;
  const message =
    errno === 'EISDIR'
      ? `${what} ${path} is a directory, expected a file`
      : errno === 'ENOENT'
        ? `cannot read ${what} ${path}: no such file`
        : errno === 'ENOTDIR'
          ? `cannot read ${what} ${path}: a folder on its path is a file`
          : errno === 'EACCES' || errno === 'EPERM'
            ? `cannot read ${what} ${path}: permission denied`
            : `cannot read ${what} ${path}: ${(err as Error)?.message ?? String(err)}`;
  return new GailBridgeError(code, message, { cause: err });
}

/** Why creating or writing `path` failed (see `fileReadError`); `what` is e.g. "output file". */
export function fileWriteError(what: string, path: string, err: unknown): GailBridgeError {
  const errno = (err as { code?: unknown } | null)?.code;
  const message =
    errno === 'EISDIR'
      ? `${what} ${path} is a directory, expected a file`
      : errno === 'ENOENT' || errno === 'ENOTDIR'
        ? `cannot create ${what} ${path}: its folder does not exist`
        : errno === 'EACCES' || errno === 'EPERM' || errno === 'EROFS'
          ? `cannot create ${what} ${path}: permission denied`
          : errno === 'ENOSPC'
            ? `cannot write ${what} ${path}: the disk is full`
            : `cannot write ${what} ${path}: ${(err as Error)?.message ?? String(err)}`;
  return new GailBridgeError('file', message, { cause: err });
}
