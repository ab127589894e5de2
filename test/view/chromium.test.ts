import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ChromiumMachine, chromiumPlan } from './chromium.js';

const machine = (m: Partial<ChromiumMachine>): ChromiumMachine => ({
  chromiumExists: false,
  isRoot: true,
  hasAptGet: true,
  installDisabled: false,
  ...m,
});

describe('the browser tests’ Chromium', () => {
  it('is used where it is installed, whoever runs the tests', () => {
    assert.deepEqual(chromiumPlan(machine({ chromiumExists: true, isRoot: false, hasAptGet: false })), {
      action: 'use',
    });
  });

  it('is installed by the test set-up as root with apt-get (CI on a fresh Debian machine)', () => {
    assert.deepEqual(chromiumPlan(machine({})), { action: 'install' });
  });

  it('is skipped with a one-line reason otherwise', () => {
    for (const m of [
      machine({ isRoot: false }),
      machine({ hasAptGet: false }),
      machine({ installDisabled: true }),
    ]) {
      const plan = chromiumPlan(m);
      assert.equal(plan.action, 'skip');
      if (plan.action === 'skip') {
        assert.match(plan.reason, /^no Chromium at \/usr\/bin\/chromium/);
        assert.ok(!plan.reason.includes('\n'));
      }
    }
    const notRoot = chromiumPlan(machine({ isRoot: false }));
    assert.ok(notRoot.action === 'skip' && /as root: apt-get install -y chromium/.test(notRoot.reason));
  });
});
