/**
 * `npm run bench -- view`: frames per second of the view page (gail-bridge view) drawing Hopper (and Humanoid) in
 * headless Chromium (Debian's, software WebGL: --disable-gpu), while it plays a demo file (poses from the
 * recorded observations) and while it rolls out the shipped expert live (policy forward + env step in the
 * page). Per row: a warm-up second, then `repeats` windows of 3 s (1 s with --quick); each window counts the
 * frames the page drew (requestAnimationFrame, capped by the browser at its refresh rate) and the time spent
 * per frame in the page's own work (set the pose or step the env, then three.js render), read from the
 * page's probe (window.__view). Medians reported.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startViewServer } from '../src/view/server.js';
import { openView } from '../src/view/session.js';
import { CHROMIUM_PATH, ensureChromium, launchChromium } from '../test/view/chromium.js';
import type { Bench, BenchContext } from './lib/bench.js';
import type { BenchReport, Column, Row, TargetSpec } from './lib/report.js';
import { Samples } from './lib/stats.js';

/** Where the Humanoid row's policy is made (at run time, removed after the run). */
const HUMANOID_POLICY = 'humanoid-policy';

/** The Humanoid row's policy: `gail-bridge expert --task humanoid --steps 2048` into `dir`; its path. */
function makeHumanoidPolicy(dir: string, log: (line: string) => void): string {
  log('view: making a Humanoid policy (expert --task humanoid --steps 2048)');
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'expert',
      '--task',
      'humanoid',
      '--steps',
      '2048',
      '--out',
      dir,
      '--force',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0)
    throw new Error(`bench view: expert --task humanoid failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  return join(dir, 'policy.policy');
}

const ROWS = {
  'hopper-demo': {
    paths: ['demos/hopper.mcap'],
    what: 'Hopper, demo file playing (demos/hopper.mcap, speed 1)',
  },
  'hopper-policy': {
    paths: ['experts/hopper.policy'],
    what: 'Hopper, experts/hopper.policy rolled out live (deterministic)',
  },
  // Humanoid has no expert or demonstrations yet: a policy after one PPO update (made by `expert
  // --steps 2048` at bench time) rolls out live; it falls within ~30 steps and the env resets, which
  // draws the same 20 bodies a trained policy would.
  'humanoid-policy': {
    paths: [HUMANOID_POLICY],
    what: 'Humanoid, a policy after one PPO update rolled out live (deterministic; falls and resets)',
  },
} as const;
type RowKey = keyof typeof ROWS;

const COLUMNS: readonly Column[] = [
  { key: 'what', title: 'what plays', format: 'text' },
  { key: 'fps', title: 'frames/s', format: 'rate', unit: 'frames drawn per second (requestAnimationFrame)' },
  {
    key: 'frameWork',
    title: 'page JS / frame',
    format: 'seconds',
    unit: 's, pose or env step + three.js render calls (rasterising runs in the GPU process, not counted)',
  },
];

const TARGETS: readonly TargetSpec[] = [
  {
    key: 'fps',
    description: 'the view draws Hopper at 30 frames/s or more in headless Chromium with software WebGL',
    column: 'fps',
    comparison: 'atLeast',
    threshold: 30,
    rows: ['hopper-demo', 'hopper-policy'],
  },
];

interface Probe {
  frames: number;
  renderMs: number;
  ready: boolean;
  error?: string;
}

async function window_(page: Page, seconds: number): Promise<{ fps: number; frameWork: number }> {
  return page.evaluate(async (ms) => {
    const v = (window as unknown as { __view: Probe }).__view;
    const f0 = v.frames;
    const r0 = v.renderMs;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, ms));
    const dt = (performance.now() - t0) / 1000;
    const frames = v.frames - f0;
    return { fps: frames / dt, frameWork: (v.renderMs - r0) / 1000 / Math.max(1, frames) };
  }, seconds * 1000);
}

export const bench: Bench = {
  name: 'view',
  description: 'frames per second of the view page drawing Hopper in headless Chromium',
  rowKeys: Object.keys(ROWS),
  async run(ctx: BenchContext): Promise<BenchReport> {
    const hadChromium = existsSync(CHROMIUM_PATH);
    const skip = ensureChromium(ctx.log);
    if (skip !== undefined) throw new Error(`bench view needs Chromium: ${skip}`);
    const repeats = ctx.options.repeats ?? (ctx.options.quick ? 1 : 5);
    const seconds = ctx.options.quick ? 1 : 3;
    const keys = (ctx.options.only ?? Object.keys(ROWS)) as RowKey[];
    const samples = new Samples();
    const rows: Row[] = [];
    let made: string | undefined;
    const madeIn = (): string => {
      made ??= mkdtempSync(join(tmpdir(), 'gb-bench-view-'));
      return made;
    };
    const browser = await launchChromium();
    const version = browser.version();
    try {
      for (const key of keys) {
        const paths = ROWS[key].paths.map((p) =>
          p === HUMANOID_POLICY ? makeHumanoidPolicy(madeIn(), ctx.log) : p,
        );
        const server = await startViewServer(await openView({ paths }), { port: 0 });
        try {
          const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
          await page.goto(server.url);
          await page.waitForFunction(() => {
            const v = (window as unknown as { __view?: Probe }).__view;
            return v?.ready === true || v?.error !== undefined;
          });
          const canvas = await page.locator('#scene').boundingBox();
          await page.waitForTimeout(1000);
          for (let i = 0; i < repeats; i++) {
            const w = await window_(page, seconds);
            samples.add(key, 'fps', w.fps);
            samples.add(key, 'frameWork', w.frameWork);
            ctx.log(
              `view ${key}: ${w.fps.toFixed(1)} frames/s, ${(w.frameWork * 1000).toFixed(2)} ms of page work a frame`,
            );
          }
          const row = samples.row(
            key,
            `${ROWS[key].what}, canvas ${Math.round(canvas!.width)}×${Math.round(canvas!.height)}`,
            ['fps', 'frameWork'],
          );
          rows.push(row);
          await page.close();
        } finally {
          await server.close();
        }
      }
    } finally {
      await browser.close();
      if (made) rmSync(made, { recursive: true, force: true });
    }
    return {
      bench: 'view',
      title: 'The view page drawing Hopper and Humanoid in headless Chromium (software WebGL)',
      measured: [
        `Per row: ${repeats} windows of ${seconds} s after a 1 s warm-up; frames drawn by the page's requestAnimationFrame loop per second, and the page's own work per frame (set the pose from the demo, or policy forward + env step, then three.js render), medians.`,
        `Chromium ${version} (${CHROMIUM_PATH}), headless, --disable-gpu (SwiftShader WebGL), viewport 1280×800.`,
      ],
      backend: `Chromium ${version} headless, software WebGL; @mujoco/mujoco WASM in the page`,
      columns: COLUMNS,
      rows,
      targets: TARGETS.map((t) => ({ ...t })),
      notes: [
        'Frames/s is capped by the browser at its refresh rate (60 Hz headless). The page’s own JavaScript takes well under a millisecond a frame; what holds the rate down is Chromium rasterising the 3D canvas in software (SwiftShader, no GPU) on the same cores, so a machine with a GPU, or a quieter one, draws more.',
        'Humanoid has no expert or demonstrations yet: its row rolls out a policy after one PPO update (it falls within ~30 steps and the env resets), which draws the same model a trained policy would.',
        ...(hadChromium ? [] : ['Chromium was missing and installed for this run.']),
      ],
      samples: samples.toJSON(),
    };
  },
};
