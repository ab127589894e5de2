import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { finishOnSignal } from '../../src/cli/finish-on-signal.js';
import { readDemoFile } from '../../src/data/demo-reader.js';

describe('finishOnSignal', () => {
  it('finishes, then exits 130 on SIGINT; a second signal exits at once; release removes the handlers', async () => {
    const target = new EventEmitter();
    const exits: number[] = [];
    let finished = 0;
    let t = 0;
    let resolveFinish: () => void = () => {};
    const release = finishOnSignal(
      () =>
        new Promise<void>((r) => {
          finished++;
          resolveFinish = r;
        }),
      { target, exit: (c) => exits.push(c), now: () => t },
    );
    target.emit('SIGINT');
    assert.equal(finished, 1);
    assert.deepEqual(exits, [], 'waits for the file to be finished');
    // ros2 launch + Ctrl-C: the terminal's SIGINT and launch's forwarded one arrive together.
    t = 5;
    target.emit('SIGINT');
    assert.deepEqual(exits, [], 'a repeat within the window is the same request');
    assert.equal(finished, 1);
    t = 1500;
    target.emit('SIGTERM');
    assert.deepEqual(exits, [143], 'a second signal does not wait');
    resolveFinish();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(exits, [143, 130]);
    release();
    assert.equal(target.listenerCount('SIGINT') + target.listenerCount('SIGTERM'), 0);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`a recording process killed with ${signal} leaves a finished, indexed file`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'gb-signal-'));
      try {
        const file = join(dir, 'rec.mcap');
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', 'test/fixtures/data/slow-writer.ts', file],
          {
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (d: Buffer) => {
            if (d.toString().includes('ready')) resolve();
          });
          child.on('exit', () => reject(new Error('the writer exited before it was ready')));
        });
        await new Promise((r) => setTimeout(r, 50));
        const code = await new Promise<number | null>((resolve) => {
          child.on('exit', (c) => resolve(c));
          child.kill(signal);
        });
        assert.equal(code, signal === 'SIGINT' ? 130 : 143);
        const demo = await readDemoFile(file);
        assert.equal(demo.episodes.length, 3);
        assert.deepEqual(
          demo.episodes.map((e) => e.trajectory.end),
          ['terminated', 'terminated', 'interrupted'],
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
