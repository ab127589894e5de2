/**
 * The safety envelope applied to every policy action before it is published (DESIGN "Deploy safety";
 * specs/failure-cases.md, Deploy). Order, per dimension:
 *
 *   finite check → absolute limits → per-step change limit against the measured state
 *   → rate limit against the last published command → absolute limits again
 *
 * The last clamp keeps the invariant "every published value is within [low, high]" even when the measured
 * state or the last command lies outside (a robot pushed past its soft limit is pulled back to the limit,
 * never commanded further out). Comparisons are written so that NaN never passes: `Math.min/max` and
 * `tf.clipByValue` propagate NaN, so the finite check comes first and the result is checked again.
 */
import type { DimLimit } from '../config/robot.js';

/** What the envelope changed in one action, per dimension. */
export interface EnvelopeReport {
  /** False when the action held a non-finite value: nothing may be published from it. */
  readonly finite: boolean;
  /** Dimensions changed by the absolute limits. */
  readonly clampedAbsolute: readonly number[];
  /** Dimensions changed by the per-step change limit. */
  readonly clampedChange: readonly number[];
  /** Dimensions changed by the rate limit. */
  readonly clampedRate: readonly number[];
}

/** Bits of `applyInto`'s per-dimension flags: which limit changed the value. */
export const CLAMPED_ABSOLUTE = 1;
export const CLAMPED_CHANGE = 2;
export const CLAMPED_RATE = 4;

/** Clamps into [lo, hi]. Passes NaN through, like Math.min/max: callers check finiteness first. */
export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** True when every element is a finite number. */
export function allFinite(v: ArrayLike<number>): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  return true;
}

/** Per-dimension limits of one robot, applied in the documented order. */
export class SafetyEnvelope {
  readonly dim: number;

  /** `periodS`: control period in seconds (the rate limit allows max_rate × period per cycle). */
  constructor(
    readonly limits: readonly DimLimit[],
    readonly periodS: number,
  ) {
    this.dim = limits.length;
  }

  /** True when every element is finite and within its absolute limits. */
  withinLimits(v: ArrayLike<number>): boolean {
    if (v.length !== this.dim) return false;
    for (let i = 0; i < this.dim; i++) {
      const l = this.limits[i]!;
      const x = v[i]!;
      if (!(Number.isFinite(x) && x >= l.low && x <= l.high)) return false;
    }
    return true;
  }

  /**
   * Writes the enveloped `action` into `out`. `measured` (action joints' measured state, or undefined)
   * is the reference of the change limit; without it the last command is. `last` is the last published
   * command, or undefined before the first (the first command is then limited against `measured` only).
   * A non-finite action leaves `out` unspecified and reports `finite: false`.
   */
  apply(
    action: ArrayLike<number>,
    measured: ArrayLike<number> | undefined,
    last: ArrayLike<number> | undefined,
    out: Float64Array,
  ): EnvelopeReport {
    const flags = new Uint8Array(this.dim);
    const finite = this.applyInto(action, measured, last, out, flags);
    const which = (bit: number): number[] => {
      const dims: number[] = [];
      for (let i = 0; i < flags.length; i++) if (flags[i]! & bit) dims.push(i);
      return dims;
    };
    return finite
      ? {
          finite,
          clampedAbsolute: which(CLAMPED_ABSOLUTE),
          clampedChange: which(CLAMPED_CHANGE),
          clampedRate: which(CLAMPED_RATE),
        }
      : { finite, clampedAbsolute: [], clampedChange: [], clampedRate: [] };
  }

  /**
   * `apply` without allocating, for the control loop (an allocation inside a cycle is where a GC pause
   * can land and overrun the deadline): writes `out` as `apply` does and, per dimension, the bits
   * CLAMPED_ABSOLUTE | CLAMPED_CHANGE | CLAMPED_RATE of what changed into `flags` (length `dim`).
   * Returns false, with `out` and `flags` unspecified, when the action is non-finite or the wrong length.
   */
  applyInto(
    action: ArrayLike<number>,
    measured: ArrayLike<number> | undefined,
    last: ArrayLike<number> | undefined,
    out: Float64Array,
    flags: Uint8Array,
  ): boolean {
    if (action.length !== this.dim || !allFinite(action)) return false;
    const measuredOk = measured !== undefined && allFinite(measured);
    const lastOk = last !== undefined && allFinite(last);
    for (let i = 0; i < this.dim; i++) {
      const l = this.limits[i]!;
      const a = action[i]!;
      let bits = 0;
      let v = clamp(a, l.low, l.high);
      if (v !== a) bits |= CLAMPED_ABSOLUTE;
      if (l.max_change !== undefined && (measuredOk || lastOk)) {
        const ref = measuredOk ? measured[i]! : last![i]!;
        const c = clamp(v, ref - l.max_change, ref + l.max_change);
        if (c !== v) bits |= CLAMPED_CHANGE;
        v = c;
      }
      if (l.max_rate !== undefined && (lastOk || measuredOk)) {
        const ref = lastOk ? last[i]! : measured![i]!;
        const step = l.max_rate * this.periodS;
        const c = clamp(v, ref - step, ref + step);
        if (c !== v) bits |= CLAMPED_RATE;
        v = c;
      }
      out[i] = clamp(v, l.low, l.high);
      flags[i] = bits;
    }
    return true;
  }
}
