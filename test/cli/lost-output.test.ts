/**
 * Output that goes away (src/cli/lost-output.ts): the first write error on stdout/stderr is a hangup
 * (SIGHUP in the process), handled by each long-running command as SIGTERM. Found on the real ROS 2 graph:
 * a `ros2 launch` SIGTERMed while deploy ran under it closed deploy's pipes, the next status line raised
 * EPIPE, and deploy died mid-cycle (exit 1) leaving its corrections file without a footer.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { inspect } from '../../src/cli/inspect.js';
import { hangUpOnLostOutput } from '../../src/cli/lost-output.js';
import { ROOT } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gb-lost-output-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('hangUpOnLostOutput', () => {
  it('the first write error of either stream raises one SIGHUP; later ones are dropped', () => {
    const stdout = new EventEmitter();
    const stderr = new EventEmitter();
    const target = new EventEmitter();
    const seen: unknown[] = [];
    target.on('SIGHUP', (s: unknown) => seen.push(s));
    hangUpOnLostOutput([stdout, stderr], target);
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    stderr.emit('error', epipe);
    stdout.emit('error', epipe);
    stderr.emit('error', Object.assign(new Error('destroyed'), { code: 'ERR_STREAM_DESTROYED' }));
    assert.deepEqual(seen, ['SIGHUP']);
  });

  it('without it an error event on a stream throws (what killed deploy)', () => {
    const stream = new EventEmitter();
    assert.throws(() => stream.emit('error', new Error('write EPIPE')), /EPIPE/);
    hangUpOnLostOutput([stream], new EventEmitter());
    assert.doesNotThrow(() => stream.emit('error', new Error('write EPIPE')));
  });
});

describe('a command whose output goes away', { timeout: 120_000 }, () => {
  it('deploy publishes the safe command, finishes its corrections file and exits 0', async () => {
    const file = join(dir, 'corrections.mcap');
    const proc = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'deploy',
        '--dry-run',
        '--policy',
        'experts/hopper.policy',
        '--config',
        'config/robots/hopper-sim.yaml',
        '--corrections',
        file,
        '--log-commands',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    try {
      // Wait for the control loop to run (a command line on stderr), then close both read ends, as a
      // launcher that dies does: deploy's next line meets a closed pipe.
      let stderr = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no command within 60 s:\n${stderr}`)), 60_000);
        proc.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (/^command policy /m.test(stderr)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      proc.stdout.destroy();
      proc.stderr.destroy();
      assert.equal(await exited, 0, 'deploy exit code after its output went away');
    } finally {
      proc.kill('SIGKILL');
    }
    // The file was finished (footer, summary): inspect reads it without --repair.
    const inspected = await inspect(file);
    assert.equal(inspected.kind, 'demo');
  });
});
