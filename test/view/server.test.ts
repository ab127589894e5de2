import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeFinalEvaluation } from '../../src/run/evaluation.js';
import { appendMetricsRow } from '../../src/run/folder.js';
import { buildClientBundle } from '../../src/view/bundle.js';
import { startViewServer, type ViewServer } from '../../src/view/server.js';
import { openView, type ViewSession } from '../../src/view/session.js';
import { gailRow, makeRun } from './fixtures.js';

/** GET with a chosen Host header; resolves status and body. */
function get(url: string, host?: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname, headers: host ? { host } : {} },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('view server (no browser)', () => {
  let dir: string;
  let server: ViewServer;
  let session: ViewSession;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gb-view-'));
    makeRun(join(dir, 'runs', 's1'), 1, 3);
    makeRun(join(dir, 'runs', 's2'), 2, 3);
    const view = await openView({ paths: ['demos/hopper.mcap', join(dir, 'runs')] });
    session = view.session;
    server = await startViewServer(view, { port: 0, pollMs: 50, bundle: '/* test */' });
  });
  after(async () => {
    await server.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens a demo file and a folder of runs: episodes, the model it was recorded on, seeds grouped', () => {
    assert.equal(session.model?.name, 'hopper');
    assert.equal(session.model?.mainPath, 'hopper.xml');
    assert.ok(session.demo && session.demo.episodes.length > 0);
    const e = session.demo!.episodes[0]!;
    assert.equal(e.end, 'truncated');
    assert.ok(e.return !== null && e.return > 3000);
    assert.equal(session.runs.length, 2);
    assert.equal(session.runs[0]!.group, session.runs[1]!.group, 'seeds of one experiment share a group');
    assert.equal(session.runs[0]!.meta.command, 'gail-bridge train --algo gail --task hopper --seed 1');
    assert.equal(session.runs[0]!.meta.backend, 'wasm');
  });

  it('listens on 127.0.0.1 and answers only requests addressed to it', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(server.url);
    assert.equal(page.status, 200);
    assert.match(page.body, /<script type="module" src="\/app\.js"><\/script>/);
    assert.ok(!/https?:\/\//.test(page.body), 'the page names no outside address');
    assert.equal((await get(server.url, 'evil.example:80')).status, 403);
    const wasm = await get(`${server.url}vendor/mujoco/mujoco.wasm`);
    assert.equal(wasm.type, 'application/wasm');
    const episode = JSON.parse((await get(`${server.url}api/demo/0`)).body) as { obs: string; steps: number };
    assert.equal(Buffer.from(episode.obs, 'base64').length, (episode.steps + 1) * 11 * 4);
  });

  it('streams every run’s rows, then each row appended to metrics.jsonl (server-sent events)', async () => {
    const received: { run: string; rows: unknown[] }[] = [];
    const u = new URL(`${server.url}api/events`);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname });
    const done = new Promise<void>((resolve) => {
      req.on('response', (res) => {
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString();
          for (const m of buf.matchAll(/event: rows\ndata: (.*)\n\n/g)) received.push(JSON.parse(m[1]!));
          buf = buf.slice(buf.lastIndexOf('\n\n') + 2);
          const total = received.reduce((a, r) => a + r.rows.length, 0);
          if (total === 7) resolve();
          if (total === 6) appendMetricsRow(join(dir, 'runs', 's2'), gailRow(3, 2));
        });
      });
    });
    req.end();
    await done;
    req.destroy();
    const s2 = received.filter((r) => r.run === 'r1').flatMap((r) => r.rows) as { round: number }[];
    assert.deepEqual(
      s2.map((r) => r.round),
      [1, 2, 3, 4],
    );
  });

  it('sends a run’s final evaluation once, when evaluation.json appears (server-sent events)', async () => {
    const got: { run: string; evaluation: { mean: number; round: number } }[] = [];
    const u = new URL(`${server.url}api/events`);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname });
    let rowsSeen = 0;
    let written = false;
    const done = new Promise<void>((resolve) => {
      req.on('response', (res) => {
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString();
          for (const m of buf.matchAll(/event: (rows|evaluation)\ndata: (.*)\n\n/g)) {
            if (m[1] === 'evaluation') got.push(JSON.parse(m[2]!));
            else rowsSeen++;
          }
          buf = buf.slice(buf.lastIndexOf('\n\n') + 2);
          // Once the stream has caught up, the run ends and its evaluation is written.
          if (rowsSeen > 0 && got.length === 0 && !written) {
            written = true;
            writeFinalEvaluation(join(dir, 'runs', 's2'), {
              mean: 812.5,
              std: 3,
              envSteps: 6144,
              round: 3,
              date: '2026-12-03T12:00:00.000Z',
            });
          }
          if (got.length > 0) setTimeout(resolve, 300); // a second poll must not repeat it
        });
      });
    });
    req.end();
    await done;
    req.destroy();
    assert.equal(got.length, 1, 'sent once');
    assert.equal(got[0]!.run, 'r1');
    assert.equal(got[0]!.evaluation.mean, 812.5);
    assert.equal(got[0]!.evaluation.round, 3);
  });

  it('bundles the page script with esbuild: three.js, the sim code, no Node built-ins, MuJoCo left to /vendor', async () => {
    const js = await buildClientBundle({ minify: true });
    assert.ok(js.length > 100_000);
    assert.match(js, /\/vendor\/mujoco\/mujoco\.js/);
    assert.ok(!/from\s*["']node:/.test(js) && !/import\(["']node:/.test(js));
  });
});

describe('view of a built-in task without a demo or policy', () => {
  it('serves Humanoid’s MJCF for the page to compile (the drawing is task-generic)', async () => {
    const view = await openView({ paths: [], task: 'humanoid' });
    assert.equal(view.session.model?.name, 'humanoid');
    assert.equal(view.session.model?.mainPath, 'humanoid.xml');
    assert.deepEqual(Object.keys(view.session.model?.files ?? {}), ['humanoid.xml']);
  });
});
