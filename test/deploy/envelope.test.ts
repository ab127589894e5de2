import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { DimLimit } from '../../src/config/robot.js';
import { CLAMPED_ABSOLUTE, CLAMPED_CHANGE, CLAMPED_RATE, SafetyEnvelope } from '../../src/deploy/envelope.js';
import { atTime, type Command, FnPolicy, harness } from './harness.js';

const LIMITS: DimLimit[] = [
  { low: -1, high: 1, max_change: 0.2, max_rate: 10 },
  { low: -2, high: 2, max_change: 0.5 },
];

describe('SafetyEnvelope', () => {
  it('applies absolute → change vs measured → rate vs last, reporting each clamp', () => {
    const env = new SafetyEnvelope(LIMITS, 0.01);
    const out = new Float64Array(2);
    const r = env.apply([5, -0.1], [0.5, 0], [0.75, 0], out);
    // j1: 5 → 1 (absolute) → 0.7 (0.5 ± 0.2) → 0.7 (0.75 ± 0.1 allows it). j2 untouched.
    assert.deepEqual(Array.from(out), [0.7, -0.1]);
    assert.deepEqual(r, { finite: true, clampedAbsolute: [0], clampedChange: [0], clampedRate: [] });
  });

  it('limits against the last command when nothing is measured, and the rate against the measurement first', () => {
    const env = new SafetyEnvelope(LIMITS, 0.01);
    const out = new Float64Array(2);
    env.apply([1, 1], undefined, [0, 0], out);
    assert.deepEqual(Array.from(out), [0.1, 0.5]);
    env.apply([1, 1], [0.3, 0], undefined, out);
    assert.deepEqual(Array.from(out), [0.4, 0.5]);
  });

  it('pulls a command back inside the absolute limits when the measured state is outside them', () => {
    const env = new SafetyEnvelope(LIMITS, 0.01);
    const out = new Float64Array(2);
    env.apply([1.5, 0], [1.3, 0], undefined, out);
    assert.deepEqual(Array.from(out), [1, 0]);
  });

  it('reports NaN, infinities and wrong lengths as not finite', () => {
    const env = new SafetyEnvelope(LIMITS, 0.01);
    const out = new Float64Array(2);
    assert.equal(env.apply([Number.NaN, 0], undefined, undefined, out).finite, false);
    assert.equal(env.apply([0, Number.NEGATIVE_INFINITY], undefined, undefined, out).finite, false);
    assert.equal(env.apply([0], undefined, undefined, out).finite, false);
    assert.equal(env.withinLimits([0, Number.NaN]), false);
    assert.equal(env.withinLimits([1, 2]), true);
  });

  it('applyInto (the control loop’s allocation-free form) writes the same command and flags each clamp', () => {
    const env = new SafetyEnvelope(LIMITS, 0.01);
    const out = new Float64Array(2);
    const flags = new Uint8Array(2);
    assert.equal(env.applyInto([5, 3], [0.5, 1.9], [0.75, 0], out, flags), true);
    // j1: absolute, change (0.5 ± 0.2) and then rate (0.75 ± 0.1 → 0.7 allowed): absolute | change.
    // j2: 3 → 2 (absolute), 1.9 ± 0.5 allows 2; no rate limit on j2.
    assert.deepEqual(Array.from(out), [0.7, 2]);
    assert.deepEqual(Array.from(flags), [CLAMPED_ABSOLUTE | CLAMPED_CHANGE, CLAMPED_ABSOLUTE]);
    env.applyInto([1, 0], undefined, [0, 0], out, flags);
    assert.deepEqual(Array.from(flags), [CLAMPED_CHANGE | CLAMPED_RATE, 0], 'flags are rewritten, not OR-ed');
    assert.equal(env.applyInto([Number.NaN, 0], undefined, undefined, out, flags), false);
    assert.equal(env.applyInto([0], undefined, undefined, out, flags), false);
  });

  it('property: any finite action comes out finite, within limits, and within the change and rate bounds', () => {
    const num = fc.double({ noNaN: false, min: -1e6, max: 1e6 });
    const inside = (l: DimLimit) => fc.double({ min: l.low, max: l.high, noNaN: true });
    fc.assert(
      fc.property(
        fc.tuple(num, num),
        fc.option(fc.tuple(inside(LIMITS[0]!), inside(LIMITS[1]!)), { nil: undefined }),
        fc.option(fc.tuple(inside(LIMITS[0]!), inside(LIMITS[1]!)), { nil: undefined }),
        (action, measured, last) => {
          const env = new SafetyEnvelope(LIMITS, 0.01);
          const out = new Float64Array(2);
          const r = env.apply(action, measured, last, out);
          if (!action.every(Number.isFinite)) return r.finite === false;
          if (!env.withinLimits(out)) return false;
          for (let i = 0; i < 2; i++) {
            const l = LIMITS[i]!;
            const ref = measured ?? last;
            // The rate limit comes last (specs order): the change bound holds whenever the two intervals meet.
            const meet =
              !measured ||
              !last ||
              l.max_rate === undefined ||
              Math.abs(last[i]! - measured[i]!) <= l.max_change! + l.max_rate * 0.01;
            if (
              l.max_change !== undefined &&
              ref &&
              meet &&
              Math.abs(out[i]! - ref[i]!) > l.max_change + 1e-12
            )
              return false;
            const rref = last ?? measured;
            if (l.max_rate !== undefined && rref && Math.abs(out[i]! - rref[i]!) > l.max_rate * 0.01 + 1e-12)
              return false;
          }
          return true;
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('DeployRunner under random faults (property)', () => {
  it('never publishes a non-finite value, every command is within limits, and policy commands respect the change limit', () => {
    const value = fc.oneof(
      { weight: 8, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e300),
      },
    );
    const step = fc.record({
      gap: fc.integer({ min: 1, max: 80 }),
      position: fc.tuple(value, value),
      velocity: fc.tuple(value, value),
      action: fc.tuple(value, value),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        let k = 0;
        const policy = new FnPolicy(4, 2, () => steps[Math.min(k, steps.length - 1)]!.action);
        const h = harness({ policy });
        const measuredAt = new Map<number, number[]>();
        h.runner.start();
        let t = 0;
        for (const s of steps) {
          t += s.gap;
          const when = t;
          measuredAt.set(when, s.position);
          atTime(h, when, () => {
            k = steps.indexOf(s);
          });
          h.jointStateAt(when, s.position, s.velocity);
        }
        atTime(h, t + 5, () => void h.runner.stop());
        h.flush();
        const limits = h.config.action.limits;
        const lows = [limits['j1']!.low, limits['j2']!.low];
        const highs = [limits['j1']!.high, limits['j2']!.high];
        const ok = (c: Command): boolean =>
          c.data.every((v, i) => Number.isFinite(v) && v >= lows[i]! && v <= highs[i]!);
        if (!h.commands.every(ok)) return false;
        // The runner's own record matches what reached the robot, in order.
        if (h.published.length !== h.commands.length) return false;
        // A policy command answers the joint state received at the same virtual time: within max_change of
        // its (finite) positions, unless the rate limit from the previous command pulled it further.
        for (const [n, c] of h.published.entries()) {
          const m = measuredAt.get(c.t);
          if (c.safe || !m) continue;
          const prev = h.published[n - 1];
          for (let i = 0; i < 2; i++) {
            const l = i === 0 ? limits['j1']! : limits['j2']!;
            const meet =
              !prev ||
              l.max_rate === undefined ||
              Math.abs(prev.data[i]! - m[i]!) <= l.max_change! + l.max_rate * 0.01;
            if (meet && Math.abs(c.data[i]! - clampTo(m[i]!, lows[i]!, highs[i]!)) > l.max_change! + 1e-9)
              return false;
          }
        }
        return true;
      }),
      { numRuns: 150 },
    );
  });
});

function clampTo(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
