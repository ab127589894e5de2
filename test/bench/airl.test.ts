/** The airl bench's flags: the paper's pair by default, every flag checked with its name. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAirlBenchArgs } from '../../bench/airl.js';

describe('bench airl flags', () => {
  it('defaults to Ant → ant-disabled, 3 seeds, 1M steps, failures of the Ant demos excluded', () => {
    const o = parseAirlBenchArgs([], false);
    assert.deepEqual(
      [o.source, o.target, o.seeds, o.steps, o.reoptSteps, o.excludeFailures, o.resume],
      ['ant', 'ant-disabled', 3, 1_000_000, 1_000_000, true, false],
    );
    const r = parseAirlBenchArgs(
      [
        '--source',
        'reacher',
        '--target',
        'reacher-reversed',
        '--steps',
        '1000',
        '--policy-lr',
        '1e-3',
        '--resume',
      ],
      false,
    );
    assert.deepEqual(
      [r.source, r.target, r.steps, r.reoptSteps, r.policyLr, r.resume],
      ['reacher', 'reacher-reversed', 1000, 1000, 1e-3, true],
    );
  });

  it('refuses unknown tasks, bad numbers and unknown flags, naming them', () => {
    assert.throws(
      () => parseAirlBenchArgs(['--target', 'ant-broken'], false),
      /--target: no built-in task "ant-broken"/,
    );
    assert.throws(
      () => parseAirlBenchArgs(['--seeds', '0'], false),
      /--seeds: expected a positive integer, got 0/,
    );
    assert.throws(
      () => parseAirlBenchArgs(['--policy-lr', 'x'], false),
      /--policy-lr: expected a positive number/,
    );
    assert.throws(() => parseAirlBenchArgs(['--nope'], false), /bench airl: .*its flags: --source/);
  });
});
