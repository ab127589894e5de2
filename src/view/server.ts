/**
 * The view server: a local HTTP server for the page (page.ts, the bundled script, MuJoCo's WASM build
 * from node_modules) and the data of what `gail-bridge view` opened (session.ts). Binds 127.0.0.1 by
 * default and answers only requests addressed to the host it listens on (a page elsewhere cannot reach
 * it through DNS rebinding). Nothing is fetched from outside.
 *
 *   GET /                     the page
 *   GET /app.js               its script (bundle.ts)
 *   GET /vendor/mujoco/*      mujoco.js and mujoco.wasm of @mujoco/mujoco
 *   GET /api/session          what was opened (session.ts ViewSession)
 *   GET /api/demo/N           episode N of the demo file: observations and actions
 *   GET /api/runs/ID/policy   a run's policy.policy as the page plays it
 *   GET /api/events           server-sent events: every run's metrics rows from the start, then each row
 *                             as metrics.jsonl grows ("rows"), and evaluation.json when it appears
 *                             ("evaluation"); metrics.jsonl is polled every `pollMs`
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GailBridgeError } from '../core/errors.js';
import { readPolicyFile } from '../data/policy-file.js';
import { readFinalEvaluation } from '../run/evaluation.js';
import { clientBundle } from './bundle.js';
import { viewPage } from './page.js';
import { episodePayload, type OpenedView, policyPayload, readNewLines } from './session.js';

export interface ViewServerOptions {
  /** Address to bind; default 127.0.0.1 (this machine only). */
  readonly host?: string;
  /** Port; 0 picks a free one. Default 8765. */
  readonly port?: number;
  /** How often metrics.jsonl is read for new rows, ms; default 500. */
  readonly pollMs?: number;
  /** The page's script; default `clientBundle()` (built once, at start). */
  readonly bundle?: string;
}

/** A running view server. The caller owns it and calls `close`. */
export interface ViewServer {
  /** http://host:port/ */
  readonly url: string;
  readonly port: number;
  /** Stops listening and ends the event streams. Idempotent. */
  close(): Promise<void>;
}

const MUJOCO_DIR = dirname(fileURLToPath(import.meta.resolve('@mujoco/mujoco')));

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

const json = (res: ServerResponse, value: unknown) =>
  send(res, 200, 'application/json; charset=utf-8', JSON.stringify(value));

/** NaN and ±Infinity as null, as JSON has no such numbers. */
function rowOut(line: string): Record<string, number | null> | undefined {
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(parsed).map(([k, v]) => {
        const x = Number(v);
        return [k, Number.isFinite(x) ? x : null];
      }),
    );
  } catch {
    return undefined;
  }
}

/** Starts the server for `view`; resolves once it listens. */
export async function startViewServer(
  view: OpenedView,
  options: ViewServerOptions = {},
): Promise<ViewServer> {
  const host = options.host ?? '127.0.0.1';
  const pollMs = options.pollMs ?? 500;
  const bundle = options.bundle ?? (await clientBundle());
  const page = viewPage(view.session.title);
  const streams = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  let port = 0;

  const allowedHost = (req: IncomingMessage): boolean => {
    const h = (req.headers.host ?? '').toLowerCase();
    return [`${host}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`].includes(h);
  };

  const events = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write('retry: 1000\n\n');
    streams.add(res);
    const offsets = new Map([...view.runDirs.keys()].map((id) => [id, 0]));
    const evaluated = new Set<string>();
    const poll = () => {
      for (const [id, dir] of view.runDirs) {
        const { lines, next } = readNewLines(dir, offsets.get(id)!);
        offsets.set(id, next);
        const rows = lines.map(rowOut).filter((r) => r !== undefined);
        if (rows.length > 0) res.write(`event: rows\ndata: ${JSON.stringify({ run: id, rows })}\n\n`);
        if (!evaluated.has(id)) {
          const e = readFinalEvaluation(dir);
          const initial = view.session.runs.find((r) => r.id === id)?.evaluation;
          if (e !== undefined && (initial === null || initial?.date !== e.date)) {
            evaluated.add(id);
            res.write(`event: evaluation\ndata: ${JSON.stringify({ run: id, evaluation: e })}\n\n`);
          }
        }
      }
    };
    poll();
    const timer = setInterval(poll, pollMs);
    timers.add(timer);
    req.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
      streams.delete(res);
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!allowedHost(req)) return send(res, 403, 'text/plain', 'forbidden: unexpected Host header\n');
    if (req.method !== 'GET') return send(res, 405, 'text/plain', 'only GET\n');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') return send(res, 200, 'text/html; charset=utf-8', page);
    if (path === '/app.js') return send(res, 200, 'text/javascript; charset=utf-8', bundle);
    if (path === '/vendor/mujoco/mujoco.js')
      return send(res, 200, 'text/javascript; charset=utf-8', readFileSync(join(MUJOCO_DIR, 'mujoco.js')));
    if (path === '/vendor/mujoco/mujoco.wasm')
      return send(res, 200, 'application/wasm', readFileSync(join(MUJOCO_DIR, 'mujoco.wasm')));
    if (path === '/api/session') return json(res, view.session);
    if (path === '/api/events') return events(req, res);
    const demo = /^\/api\/demo\/(\d+)$/.exec(path);
    if (demo) {
      const e = view.episodes.find((x) => x.index === Number(demo[1]));
      return e ? json(res, episodePayload(e)) : send(res, 404, 'text/plain', `no episode ${demo[1]}\n`);
    }
    const policy = /^\/api\/runs\/([\w-]+)\/policy$/.exec(path);
    if (policy) {
      const file = view.runPolicies.get(policy[1]!);
      if (file === undefined) return send(res, 404, 'text/plain', `run ${policy[1]} has no policy.policy\n`);
      return json(res, policyPayload(file, await readPolicyFile(file)));
    }
    return send(res, 404, 'text/plain', 'not found\n');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain', `${(err as Error).message}\n`);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new GailBridgeError(
              'config',
              `view: port ${options.port ?? 8765} on ${host} is in use; choose another with --port (0 picks a free one)`,
            )
          : err,
      ),
    );
    server.listen(options.port ?? 8765, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const t of timers) clearInterval(t);
        for (const s of streams) s.end();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
