/**
 * `train --algo dac` settings (src/dac/config.ts): defaults, every invalid value refused with the flag's
 * name, unknown fields refused by name, the caller's object never mutated.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAC_DEFAULTS, resolveDacSettings } from '../../src/dac/config.js';

const base = { task: 'hopper', demos: 'demos/hopper.mcap' } as const;

describe('resolveDacSettings', () => {
  it('fills the defaults (the papers’, with wasm-sized networks) and freezes the result', () => {
    const s = resolveDacSettings({ ...base });
    assert.equal(s.steps, 300_000);
    assert.equal(s.gradPenalty, 10);
    assert.equal(s.reward, 'logit');
    assert.equal(s.tau, 0.005);
    assert.equal(s.policyDelay, 2);
    assert.equal(s.targetNoise, 0.2);
    assert.equal(s.targetNoiseClip, 0.5);
    assert.equal(s.explNoise, 0.1);
    assert.deepEqual(s.criticHidden, DAC_DEFAULTS.criticHidden);
    assert.ok(Object.isFrozen(s));
  });

  it('never mutates the partial settings it is given', () => {
    const partial = { ...base, criticHidden: [32, 32] };
    const s = resolveDacSettings(partial);
    assert.deepEqual(partial, { ...base, criticHidden: [32, 32] });
    assert.notEqual(s.criticHidden, partial.criticHidden);
  });

  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['steps', { steps: 0 }, /--steps: expected a positive integer, got 0/],
    ['batch', { batchSize: 1.5 }, /--batch-size: expected a positive integer, got 1.5/],
    ['policy delay', { policyDelay: 0 }, /--policy-delay: expected a positive integer/],
    ['start steps', { startSteps: -1 }, /--start-steps: expected an integer ≥ 0, got -1/],
    ['updates per step', { updatesPerStep: 0 }, /--updates-per-step: expected a positive number/],
    ['actor lr', { actorLr: -1 }, /--actor-lr: expected a positive number, got -1/],
    ['critic lr', { criticLr: Number.NaN }, /--critic-lr: expected a positive number, got NaN/],
    ['expl noise', { explNoise: -0.1 }, /--expl-noise: expected a number ≥ 0/],
    ['grad penalty', { gradPenalty: -1 }, /--grad-penalty: expected a number ≥ 0/],
    ['gamma', { gamma: 1 }, /--gamma: expected a number in \[0, 1\), got 1/],
    ['tau', { tau: 0 }, /--tau: expected a number in \(0, 1\], got 0/],
    [
      'critic widths',
      { criticHidden: [64, 0] },
      /--critic-hidden: expected comma-separated positive integers, got 64,0/,
    ],
    ['reward', { reward: 'nope' }, /--reward: expected one of gail, logD, logit, got "nope"/],
    ['unknown field', { discStepsPerRound: 3 }, /DAC settings: unknown "discStepsPerRound"/],
  ];
  for (const [what, extra, message] of cases)
    it(`refuses a bad ${what}, naming the flag`, () => {
      assert.throws(() => resolveDacSettings({ ...base, ...extra }), message);
    });

  it('needs exactly one of --task and --model', () => {
    assert.throws(() => resolveDacSettings({ demos: 'x.mcap' }), /--algo dac: --task <name> is required/);
    assert.throws(
      () => resolveDacSettings({ ...base, model: 'robot.xml' }),
      /--algo dac: --task <name> is required/,
    );
  });
});
