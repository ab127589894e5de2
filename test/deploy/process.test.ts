/**
 * The deploy command as a child process (`deploy --dry-run`, the simulator standing in for the robot):
 * SIGINT publishes the safe command for at least 3 periods before exit; SIGKILL ends it without a hang.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writePolicyFile } from '../../src/data/policy-file.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';
import { randomPolicyRecord } from './fixtures.js';

let dir: string;
let policyPath: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gb-deploy-proc-'));
  policyPath = join(dir, 'hopper.policy');
  const env = await makeTaskEnv('hopper');
  await writePolicyFile(policyPath, randomPolicyRecord(env.spec, 3));
  env.dispose();
});

after(() => rmSync(dir, { recursive: true, force: true }));

interface Child {
  readonly proc: ChildProcess;
  stderr: string;
  stdout: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startDeploy(): Child {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'deploy',
      '--policy',
      policyPath,
      '--config',
      'config/robots/hopper-sim.yaml',
      '--dry-run',
      '--log-commands',
      '--json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const child: Child = {
    proc,
    stderr: '',
    stdout: '',
    exited: new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal }))),
  };
  proc.stderr!.on('data', (d: Buffer) => {
    child.stderr += d.toString();
  });
  proc.stdout!.on('data', (d: Buffer) => {
    child.stdout += d.toString();
  });
  return child;
}

/** Resolves once `cond` holds, failing after `ms` (the child may be slow to start on a busy machine). */
async function waitFor(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const policyLines = (s: string): number => s.split('\n').filter((l) => l.startsWith('command policy')).length;

describe('deploy as a child process', { concurrency: true, timeout: 120_000 }, () => {
  it('SIGINT: the safe command is published for at least 3 periods before exit, and the summary printed', async () => {
    const c = startDeploy();
    try {
      await waitFor('policy commands', () => policyLines(c.stderr) >= 10);
      c.proc.kill('SIGINT');
      const { code, signal } = await c.exited;
      assert.equal(signal, null);
      assert.equal(code, 0, c.stderr);
      const lines = c.stderr.split('\n');
      const sigAt = lines.findIndex((l) => l.startsWith('deploy: SIGINT: publishing the safe command'));
      assert.ok(sigAt > 0, c.stderr);
      const commandsAfter = lines.slice(sigAt).filter((l) => l.startsWith('command '));
      assert.ok(commandsAfter.length >= 3, c.stderr);
      assert.ok(
        commandsAfter.every((l) => l === 'command safe 0.00000 0.00000 0.00000'),
        commandsAfter.join('\n'),
      );
      const summary = JSON.parse(c.stdout) as {
        reason: string;
        message: string;
        counters: { safePublished: number };
      };
      assert.equal(summary.reason, 'stopped');
      assert.equal(summary.message, 'stopped by SIGINT');
      assert.ok(summary.counters.safePublished >= 3);
    } finally {
      c.proc.kill('SIGKILL');
    }
  });

  it('SIGKILL: the process ends at once and nothing waits on it', async () => {
    const c = startDeploy();
    await waitFor('policy commands', () => policyLines(c.stderr) >= 1);
    const t0 = Date.now();
    c.proc.kill('SIGKILL');
    const { code, signal } = await c.exited;
    assert.equal(signal, 'SIGKILL');
    assert.equal(code, null);
    assert.ok(Date.now() - t0 < 5000);
  });
});
