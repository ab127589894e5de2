/**
 * The view page in a real browser: Debian's Chromium, headless, driven by playwright-core (chromium.ts
 * installs it as root on a fresh Debian machine, else these tests are skipped with the reason).
 * Screenshots are kept in test-artifacts/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { appendMetricsRow } from '../../src/run/folder.js';
import { startViewServer, type ViewServer } from '../../src/view/server.js';
import { openView } from '../../src/view/session.js';
import { ensureChromium, launchChromium } from './chromium.js';
import { gailRow, makeRun } from './fixtures.js';

const ARTIFACTS = 'test-artifacts';
const skip = ensureChromium();

interface Probe {
  ready: boolean;
  error?: string;
  frames: number;
  frame: number;
  mode: string;
  rows: Record<string, number>;
}

const probe = (page: Page) => page.evaluate(() => (window as unknown as { __view: Probe }).__view);
const pixels = (page: Page) =>
  page.evaluate(() =>
    (
      window as unknown as { __view: { pixelStats(): { nonBackground: number; hash: number } } }
    ).__view.pixelStats(),
  );

/** Opens `url`, recording console errors and every request that leaves the server. */
async function open(browser: Browser, url: string) {
  const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
  const errors: string[] = [];
  const outside: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => {
    if (!r.url().startsWith(url) && !r.url().startsWith('data:')) outside.push(r.url());
  });
  await page.goto(url);
  await page.waitForFunction(
    () => {
      const v = (window as unknown as { __view?: Probe }).__view;
      return v?.ready === true || v?.error !== undefined;
    },
    null,
    { timeout: 30_000 },
  );
  return { page, errors, outside };
}

describe('view page in Chromium', { skip }, () => {
  let dir: string;
  let browser: Browser;
  let server: ViewServer;
  let page: Page;
  let errors: string[];
  let outside: string[];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'gb-view-browser-'));
    makeRun(join(dir, 'runs', 's1'), 1, 3);
    makeRun(join(dir, 'runs', 's2'), 2, 3);
    const view = await openView({ paths: ['demos/hopper.mcap', join(dir, 'runs')] });
    server = await startViewServer(view, { port: 0, pollMs: 100 });
    browser = await launchChromium();
    ({ page, errors, outside } = await open(browser, server.url));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads without console errors and fetches nothing from outside the server', async () => {
    const p = await probe(page);
    assert.equal(p.error, undefined);
    assert.equal(p.mode, 'demo');
    assert.deepEqual(errors, []);
    assert.deepEqual(outside, []);
  });

  it('draws the model: the canvas is not blank, and changes as the demo plays', async () => {
    const a = await pixels(page);
    const f0 = (await probe(page)).frame;
    await page.waitForFunction((f) => (window as unknown as { __view: Probe }).__view.frame > f + 40, f0);
    const b = await pixels(page);
    const canvas = await page.locator('#scene').boundingBox();
    assert.ok(a.nonBackground > 0.2 * canvas!.width * canvas!.height, `${a.nonBackground} pixels drawn`);
    assert.notEqual(a.hash, b.hash, 'the picture changed as the episode played');
    await page.locator('#scene').screenshot({ path: join(ARTIFACTS, 'view-canvas.png') });
  });

  it('overlays two seeds of one run: their mean ± std band and each seed', async () => {
    const chart = page.locator('figure[data-key="returnMean"]');
    await chart.waitFor();
    assert.equal(await chart.locator('polygon.band').count(), 1);
    assert.equal(await chart.locator('polyline.curve').count(), 3);
    assert.match((await chart.locator('.legend').textContent()) ?? '', /mean ± std/);
    assert.equal(await chart.locator('line.reference[data-name="expert (demos)"]').count(), 1);
  });

  it('shows a metrics row appended to a live run in the plot', async () => {
    const points = () =>
      page
        .locator('figure[data-key="returnMean"] polyline.curve')
        .last()
        .getAttribute('points')
        .then((p) => (p ?? '').split(' ').length);
    assert.equal(await points(), 3);
    appendMetricsRow(join(dir, 'runs', 's1'), gailRow(3, 1));
    appendMetricsRow(join(dir, 'runs', 's2'), gailRow(3, 2));
    await page.waitForFunction(() => {
      const v = (window as unknown as { __view: Probe }).__view;
      return v.rows['r0'] === 4 && v.rows['r1'] === 4;
    });
    await page.waitForFunction(
      () =>
        (
          document
            .querySelector('figure[data-key="returnMean"] polyline.curve:last-of-type')
            ?.getAttribute('points') ?? ''
        ).split(' ').length === 4,
    );
    assert.equal(await points(), 4);
    await page.screenshot({ path: join(ARTIFACTS, 'view-demo-runs.png') });
  });

  it('rolls a policy out live in the page', async () => {
    const s = await startViewServer(await openView({ paths: ['experts/hopper.policy'] }), { port: 0 });
    try {
      const o = await open(browser, s.url);
      assert.deepEqual(o.errors, []);
      assert.equal((await probe(o.page)).mode, 'policy');
      const a = await pixels(o.page);
      await o.page.waitForFunction(() =>
        /step (\d{2,})/.test(document.getElementById('status')?.textContent ?? ''),
      );
      const b = await pixels(o.page);
      assert.notEqual(a.hash, b.hash);
      await o.page.screenshot({ path: join(ARTIFACTS, 'view-policy.png') });
      await o.page.close();
    } finally {
      await s.close();
    }
  });
});
