/**
 * HG-DAgger corrections through a real `deploy --dry-run --corrections FILE` process
 * (test/deploy/takeover-child.ts: runDeploy with a simulated person holding a takeover): Ctrl-C in the
 * middle of the takeover leaves a whole demo file, which `inspect` reads and whose spec is the task's,
 * as `train --demos` / `--corrections` require.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { inspect } from '../../src/cli/inspect.js';
import { assertSpecsMatch } from '../../src/core/spec.js';
import { readDemoFile } from '../../src/data/demo-reader.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gb-takeover-proc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The simulated Hopper robot, which ships with a teleop section. */
const CONFIG = 'config/robots/hopper-sim.yaml';

describe('deploy --corrections as a process', { timeout: 120_000 }, () => {
  it('Ctrl-C during a takeover: the corrections file is whole, readable by inspect, with the task spec', async () => {
    const config = CONFIG;
    const file = join(dir, 'corrections.mcap');
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/deploy/takeover-child.ts', 'experts/hopper.policy', config, file],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let stdout = '';
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    try {
      const start = Date.now();
      // 30 commands published in takeovers (the person's command through the envelope). On a busy
      // machine the simulator can stall at start: the teleop goes stale, the takeover is cut and begins again.
      const inTakeover = () =>
        stderr.split('\n').filter((l) => l === 'command policy 0.100000 -0.100000 0.0500000').length;
      while (inTakeover() < 30) {
        if (Date.now() - start > 60_000) assert.fail(`no takeover of 30 cycles within 60 s:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      proc.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
    } finally {
      proc.kill('SIGKILL');
    }
    const report = JSON.parse(stdout) as {
      message: string;
      counters: { takeovers: number; teleopPublished: number };
      corrections: { file: string; episodes: number; steps: number; dropped: number };
    };
    assert.equal(report.message, 'stopped by SIGINT');
    // Every takeover was cut (by staleness or the stop): each loses its last step, which no observation
    // followed, and a takeover of one cycle leaves no episode.
    assert.equal(report.corrections.steps, report.counters.teleopPublished - report.counters.takeovers);
    assert.ok(
      report.corrections.steps >= 30 - report.counters.takeovers,
      `${report.corrections.steps} steps`,
    );
    assert.ok(report.corrections.episodes >= 1 && report.corrections.episodes <= report.counters.takeovers);
    assert.equal(report.corrections.dropped, 0);

    const demo = await readDemoFile(file);
    assert.equal(demo.episodes.length, report.corrections.episodes);
    assert.equal(
      demo.episodes.reduce((a, e) => a + e.trajectory.length, 0),
      report.corrections.steps,
    );
    for (const { trajectory: t } of demo.episodes) {
      assert.equal(t.end, 'interrupted');
      // The labels are the person's command, as given (the envelope's limits are ±1: nothing clamped).
      for (let k = 0; k < t.length; k++)
        assert.deepEqual(Array.from(t.acts.subarray(k * 3, k * 3 + 3)), [0.1, -0.1, 0.05].map(Math.fround));
    }
    const inspected = await inspect(file);
    assert.equal(inspected.kind, 'demo');
    if (inspected.kind === 'demo') {
      assert.equal(inspected.episodes, report.corrections.episodes);
      assert.equal(inspected.steps, report.corrections.steps);
    }
    const env = await makeTaskEnv('hopper');
    try {
      assertSpecsMatch('corrections vs the hopper task', env.spec, demo.spec);
    } finally {
      env.dispose();
    }
  });
});
