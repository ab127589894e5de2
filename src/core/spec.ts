/**
 * `Spec`: what a vector means. Every demo file, policy file, env and robot config carries one, and every
 * consumer checks the one it is given against the one it expects (`assertSpecsMatch`), so a dimension or
 * joint-name mismatch is caught at start with a diff, never mid-episode.
 */
import { GailBridgeError } from './errors.js';

/** A flat box space. `names[i]`, `units[i]`, `low[i]`, `high[i]` describe element i; dim = names.length. */
export interface SpaceSpec {
  readonly names: readonly string[];
  /** SI unit per element ("m", "rad", "m/s", "rad/s", "N·m", "1" for dimensionless). */
  readonly units: readonly string[];
  /** Lower bound per element; -Infinity when unbounded. */
  readonly low: readonly number[];
  /** Upper bound per element; +Infinity when unbounded. */
  readonly high: readonly number[];
}

/** Where the vectors come from; a tagged union derived from one map (STYLE 8). */
export type SpecSource =
  | { readonly kind: 'task'; readonly task: string }
  | {
      readonly kind: 'mjcf';
      /** The MJCF file of a generic task. */
      readonly path: string;
      /** The task config (config/tasks/*.yaml) its options came from, when there was one. */
      readonly taskConfig?: string;
    }
  | { readonly kind: 'robot'; readonly config: string };

export interface Spec {
  readonly observation: SpaceSpec;
  readonly action: SpaceSpec;
  /** Control rate in Hz (1 / env dt for simulated tasks). */
  readonly controlRateHz: number;
  readonly source: SpecSource;
  /** "gail-bridge X.Y.Z" of the program that made the file. */
  readonly producer: string;
}

/** Builds a SpaceSpec, checking that every per-element array has the same length. */
export function makeSpaceSpec(fields: {
  names: readonly string[];
  units?: readonly string[];
  low?: readonly number[];
  high?: readonly number[];
}): SpaceSpec {
  const n = fields.names.length;
  const units = fields.units ?? fields.names.map(() => '1');
  const low = fields.low ?? fields.names.map(() => Number.NEGATIVE_INFINITY);
  const high = fields.high ?? fields.names.map(() => Number.POSITIVE_INFINITY);
  for (const [what, arr] of [
    ['units', units],
    ['low', low],
    ['high', high],
  ] as const) {
    if (arr.length !== n) {
      throw new GailBridgeError(
        'spec',
        `space ${what}: expected ${n} entries (one per name), got ${arr.length}`,
      );
    }
  }
  for (let i = 0; i < n; i++) {
    if (!(low[i]! <= high[i]!)) {
      throw new GailBridgeError(
        'spec',
        `space element ${i} (${fields.names[i]}): low ${low[i]} > high ${high[i]}`,
      );
    }
  }
  return Object.freeze({
    names: Object.freeze([...fields.names]),
    units: Object.freeze([...units]),
    low: Object.freeze([...low]),
    high: Object.freeze([...high]),
  });
}

export function spaceDim(space: SpaceSpec): number {
  return space.names.length;
}

/**
 * Lists the differences that make two specs incompatible for exchanging vectors: dimensions, names and
 * their order, and control rate (relative tolerance 1e-6). Units and bounds are reported too, since a
 * policy trained on radians fed degrees is as wrong as a missing joint. Empty when compatible.
 */
export function specDiff(expected: Spec, actual: Spec): string[] {
  const diffs: string[] = [];
  for (const part of ['observation', 'action'] as const) {
    const e = expected[part];
    const a = actual[part];
    if (e.names.length !== a.names.length) {
      diffs.push(`${part}: expected ${e.names.length} elements, got ${a.names.length}`);
    }
    const missing = e.names.filter((n) => !a.names.includes(n));
    const extra = a.names.filter((n) => !e.names.includes(n));
    if (missing.length > 0) diffs.push(`${part}: missing ${missing.join(', ')}`);
    if (extra.length > 0) diffs.push(`${part}: unexpected ${extra.join(', ')}`);
    if (missing.length === 0 && extra.length === 0) {
      for (let i = 0; i < e.names.length; i++) {
        if (e.names[i] !== a.names[i]) {
          diffs.push(
            `${part}[${i}]: expected ${e.names[i]}, got ${a.names[i]} (same names, different order)`,
          );
          break;
        }
      }
      for (let i = 0; i < Math.min(e.units.length, a.units.length); i++) {
        if (e.units[i] !== a.units[i])
          diffs.push(`${part} ${e.names[i]}: unit ${e.units[i]} != ${a.units[i]}`);
      }
    }
  }
  const rel =
    Math.abs(expected.controlRateHz - actual.controlRateHz) / Math.max(expected.controlRateHz, 1e-12);
  if (!(rel <= 1e-6))
    diffs.push(`control rate: expected ${expected.controlRateHz} Hz, got ${actual.controlRateHz} Hz`);
  return diffs;
}

/** Throws a `spec` error listing every difference, with `context` naming what was compared. */
export function assertSpecsMatch(context: string, expected: Spec, actual: Spec): void {
  const diffs = specDiff(expected, actual);
  if (diffs.length > 0) {
    throw new GailBridgeError('spec', `${context}: specs differ:\n  - ${diffs.join('\n  - ')}`);
  }
}
