import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trainCommand } from '../../src/cli/train.js';
import { Rng } from '../../src/core/rng.js';
import {
  GAIL_DEFAULTS,
  GAIL_TASK_PRESETS,
  plannedRounds,
  resolveGailConfig,
  withGailTaskPreset,
} from '../../src/gail/config.js';
import { Discriminator } from '../../src/gail/discriminator.js';
import { TASK_NAMES } from '../../src/sim/tasks/index.js';
import { testBackend } from '../learn/helpers.js';

describe('GailConfig', () => {
  const base = { demos: 'd.mcap', steps: 10_000 };
  it('fills defaults without touching the input and derives the rounds', () => {
    const input = { ...base, task: 'inverted-pendulum' };
    const c = resolveGailConfig(input);
    assert.equal(c.discStepsPerRound, 16);
    assert.equal(c.absorbing, true);
    assert.deepEqual(c.discHidden, [100, 100]);
    assert.deepEqual(Object.keys(input), ['demos', 'steps', 'task']);
    assert.equal(plannedRounds(c), Math.ceil(10_000 / 2048));
  });

  it('names the bad option and what it accepts', () => {
    assert.throws(() => resolveGailConfig(base), /--task or --model: give exactly one/);
    assert.throws(
      () => resolveGailConfig({ ...base, task: 't', subsample: 0 }),
      /--subsample: expected a positive integer, got 0/,
    );
    assert.throws(
      () => resolveGailConfig({ ...base, task: 't', labelSmoothing: 0.9 }),
      /--label-smoothing: expected a number in \[0, 0.5\], got 0.9/,
    );
    assert.throws(
      () => resolveGailConfig({ ...base, task: 't', gamma: 1 }),
      /--gamma: expected a number in \[0, 1\)/,
    );
  });
});

describe('GAIL defaults', () => {
  it('has one discriminator learning rate: the class, the config and the command line agree', async () => {
    await testBackend();
    const d = new Discriminator(2, 1, false, {}, new Rng(0));
    try {
      assert.equal(d.options.learningRate, GAIL_DEFAULTS.discLr);
      assert.deepEqual(d.options.hiddenSizes, GAIL_DEFAULTS.discHidden);
    } finally {
      d.dispose();
    }
    const flag = trainCommand().options.find((o) => o.long === '--disc-lr');
    assert.equal(flag?.defaultValue, GAIL_DEFAULTS.discLr);
    assert.equal(resolveGailConfig({ demos: 'd.mcap', task: 't' }).discLr, GAIL_DEFAULTS.discLr);
  });

  it('refuses an unknown setting by name (a config.json from elsewhere)', () => {
    assert.throws(
      () => resolveGailConfig({ demos: 'd', task: 't', out: 'runs/x' } as never),
      /GAIL settings: unknown "out"/,
    );
  });
});

describe('withGailTaskPreset', () => {
  it("fills a preset task's unset fields only, and names what it took", () => {
    const walker = withGailTaskPreset({ task: 'walker2d', demos: 'd.mcap' });
    assert.equal(walker.settings.gradPenalty, GAIL_TASK_PRESETS['walker2d']!.settings.gradPenalty);
    assert.deepEqual(walker.applied, ['--grad-penalty 10']);
    assert.match(walker.why, /discriminator wins/);
    const typed = withGailTaskPreset({ task: 'ant', demos: 'd.mcap', gradPenalty: 0 });
    assert.equal(typed.settings.gradPenalty, 0, 'a typed 0 is kept');
    assert.deepEqual(typed.applied, []);
    for (const task of ['hopper', 'inverted-pendulum', undefined]) {
      const none = withGailTaskPreset({ task, demos: 'd.mcap' });
      assert.equal(none.settings.gradPenalty, undefined);
      assert.deepEqual(none.applied, []);
    }
  });

  it('every preset names a built-in task and resolves to a valid config', () => {
    for (const task of Object.keys(GAIL_TASK_PRESETS)) {
      assert.ok((TASK_NAMES as readonly string[]).includes(task), `${task} is a task`);
      const c = resolveGailConfig(withGailTaskPreset({ task, demos: 'd.mcap' }).settings);
      assert.equal(c.gradPenalty, GAIL_TASK_PRESETS[task]!.settings.gradPenalty);
    }
  });
});
