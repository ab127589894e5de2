/**
 * `gail-bridge record` as a child process (specs/failure-cases.md, Recording): SIGINT finishes the file
 * (summary and index written, the open take ended interrupted); after SIGKILL the file is damaged but
 * `repairDemoFile` (inspect --repair) recovers every take that was finished. The robot is the in-process
 * simulated Hopper with a random leader policy (`--sim`), so no ROS 2 is needed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readDemoFile, repairDemoFile } from '../../src/data/demo-reader.js';
import { writePolicyFile } from '../../src/data/policy-file.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';
import { randomPolicyRecord } from '../deploy/fixtures.js';

let dir: string;
let policyPath: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gb-record-proc-'));
  policyPath = join(dir, 'leader.policy');
  const env = await makeTaskEnv('hopper');
  await writePolicyFile(policyPath, randomPolicyRecord(env.spec, 3));
  env.dispose();
});

after(() => rmSync(dir, { recursive: true, force: true }));

interface Child {
  readonly proc: ChildProcess;
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startRecord(out: string): Child {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'record',
      '--config',
      'config/robots/hopper-sim.yaml',
      '--out',
      out,
      '--sim',
      'hopper',
      '--teleop-policy',
      policyPath,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const child: Child = {
    proc,
    stderr: '',
    exited: new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal }))),
  };
  proc.stderr!.on('data', (d: Buffer) => {
    child.stderr += d.toString();
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

const endedTakes = (s: string): number =>
  s.split('\n').filter((l) => / ended terminated after /.test(l)).length;

describe('record as a child process', { concurrency: true, timeout: 120_000 }, () => {
  it('SIGINT finishes the file: every take readable, the open one interrupted', async () => {
    const out = join(dir, 'sigint.mcap');
    const child = startRecord(out);
    await waitFor('two finished takes', () => endedTakes(child.stderr) >= 2);
    child.proc.kill('SIGINT');
    const { code } = await child.exited;
    assert.equal(code, 130, child.stderr);
    assert.match(child.stderr, /SIGINT: finishing the file before exiting/);
    assert.match(child.stderr, /record: .*sigint\.mcap: \d+ episodes?, \d+ steps kept/);
    const file = await readDemoFile(out);
    // Every take the recorder reported ended terminated is in the file as such; others were cut
    // (interrupted: a stall on a busy machine can silence a topic past the 50 ms timeout, or Ctrl-C).
    const ends = file.episodes.map((e) => e.trajectory.end);
    assert.equal(ends.filter((e) => e === 'terminated').length, endedTakes(child.stderr), ends.join(' '));
    assert.ok(
      ends.every((e) => e === 'terminated' || e === 'interrupted'),
      ends.join(' '),
    );
  });

  it('SIGKILL loses at most the open chunk: the finished takes are recovered by repair', async () => {
    const out = join(dir, 'sigkill.mcap');
    const child = startRecord(out);
    await waitFor('three finished takes', () => endedTakes(child.stderr) >= 3);
    const finished = endedTakes(child.stderr);
    child.proc.kill('SIGKILL');
    await child.exited;
    await assert.rejects(readDemoFile(out), (err: Error & { code?: string }) => err.code === 'file');
    const repaired = join(dir, 'repaired.mcap');
    const r = await repairDemoFile(out, repaired);
    // Each take's end closes its chunk, so every take reported finished is on disk, except the last one
    // reported when its end was still being written at the kill (then it is in the lost open chunk).
    assert.ok(r.episodes >= finished - 1, `repaired ${r.episodes} episodes, ${finished} were finished`);
    const file = await readDemoFile(repaired);
    assert.ok(
      file.episodes.every((e) => e.trajectory.end === 'terminated' || e.trajectory.end === 'interrupted'),
    );
  });
});
