/**
 * Real processes on a real ROS 2 graph, for the scenarios `npm run test:ros2` runs (never part of `npm test`:
 * they need ROS 2 sourced, rclnodejs built and gail_bridge_msgs generated; scripts/test-ros2.ts does that).
 * The CLI runs as users run it, through bin/gail-bridge.js (dist/ is built first).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin', 'gail-bridge.js');

/** A child process with its output collected and its exit awaited. */
export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  stdout: string;
  stderr: string;
  /** Milliseconds (performance.now) at exit, once exited. */
  exitedAt: number | undefined;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts a command; `group` puts it in a process group of its own (as a shell job is), so that
 * `interruptGroup` can send SIGINT to it and its children the way a terminal's Ctrl-C does.
 */
export function start(
  name: string,
  cmd: string,
  args: readonly string[],
  options: { group?: boolean; env?: NodeJS.ProcessEnv } = {},
): Child {
  const proc = spawn(cmd, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.group ?? false,
    ...(options.env ? { env: options.env } : {}),
  });
  const child: Child = {
    name,
    proc,
    stdout: '',
    stderr: '',
    exitedAt: undefined,
    exited: new Promise((resolve) =>
      proc.on('exit', (code, signal) => {
        child.exitedAt = performance.now();
        resolve({ code, signal });
      }),
    ),
  };
  proc.stdout!.on('data', (d: Buffer) => {
    child.stdout += d.toString();
  });
  proc.stderr!.on('data', (d: Buffer) => {
    child.stderr += d.toString();
  });
  return child;
}

/** `node bin/gail-bridge.js ARGS`. */
export function cli(name: string, args: readonly string[]): Child {
  return start(name, process.execPath, [BIN, ...args]);
}

/** Ctrl-C in a terminal: SIGINT to the whole process group. */
export function interruptGroup(c: Child): void {
  process.kill(-c.proc.pid!, 'SIGINT');
}

/** Kills whatever is still running (test teardown). */
export function killAll(children: readonly Child[]): void {
  for (const c of children) {
    if (c.exitedAt !== undefined) continue;
    try {
      if (c.proc.spawnargs[0] !== process.execPath) process.kill(-c.proc.pid!, 'SIGKILL');
      else c.proc.kill('SIGKILL');
    } catch {
      c.proc.kill('SIGKILL');
    }
  }
}

/** Resolves once `cond` holds; fails after `ms` with `what` and the children's stderr. */
export async function waitFor(
  what: string,
  cond: () => boolean,
  ms: number,
  children: readonly Child[] = [],
): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) {
      const logs = children.map((c) => `--- ${c.name} stderr:\n${c.stderr.slice(-3000)}`).join('\n');
      assert.fail(`timed out after ${ms} ms waiting for ${what}\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits for exit, failing when it takes longer than `ms`; resolves with the code and the time it took. */
export async function exitWithin(
  c: Child,
  ms: number,
  since: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms + 2000));
  const r = await Promise.race([c.exited, timer]);
  if (r === 'timeout') assert.fail(`${c.name} did not exit within ${ms} ms\n${c.stderr.slice(-3000)}`);
  const took = (c.exitedAt ?? performance.now()) - since;
  assert.ok(
    took <= ms,
    `${c.name} exited after ${took.toFixed(0)} ms (limit ${ms} ms)\n${c.stderr.slice(-2000)}`,
  );
  return { ...r, ms: took };
}
