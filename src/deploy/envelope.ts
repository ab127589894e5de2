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
    const clampedAbsolute: number[] = [];
    const clampedChange: number[] = [];
    const clampedRate: number[] = [];
    if (action.length !== this.dim || !allFinite(action))
      return { finite: false, clampedAbsolute, clampedChange, clampedRate };
    const measuredOk = measured !== undefined && allFinite(measured);
    const lastOk = last !== undefined && allFinite(last);
    for (let i = 0; i < this.dim; i++) {
      const l = this.limits[i]!;
      const a = action[i]!;
      let v = clamp(a, l.low, l.high);
      if (v !== a) clampedAbsolute.push(i);
      if (l.max_change !== undefined) {
        const ref = measuredOk ? measured[i]! : lastOk ? last[i]! : undefined;
        if (ref !== undefined) {
          const c = clamp(v, ref - l.max_change, ref + l.max_change);
          if (c !== v) clampedChange.push(i);
          v = c;
        }
      }
      if (l.max_rate !== undefined) {
        const ref = lastOk ? last[i]! : measuredOk ? measured[i]! : undefined;
        if (ref !== undefined) {
          const step = l.max_rate * this.periodS;
          const c = clamp(v, ref - step, ref + step);
          if (c !== v) clampedRate.push(i);
          v = c;
        }
      }
      out[i] = clamp(v, l.low, l.high);
    }
    return { finite: true, clampedAbsolute, clampedChange, clampedRate };
  }
}
