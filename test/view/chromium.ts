/**
 * Debian's Chromium for the browser tests and the view bench, driven by playwright-core (which never
 * downloads a browser). CI runs as root on a fresh Debian machine: there the test set-up installs the
 * `chromium` package itself (apt-get, with a time limit and one log line). Anywhere else without it the
 * browser tests are skipped with a one-line reason; no other test needs a browser.
 *
 * GAIL_BRIDGE_NO_BROWSER_INSTALL=1 turns the install off.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless, no sandbox (root in CI), software WebGL, nothing phoning home. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
] as const;

/** What the machine looks like, for the decision. */
export interface ChromiumMachine {
  readonly chromiumExists: boolean;
  readonly isRoot: boolean;
  readonly hasAptGet: boolean;
  readonly installDisabled: boolean;
}

/** Use the browser, install it first, or skip the browser tests (with the reason). */
export type ChromiumPlan =
  | { readonly action: 'use' }
  | { readonly action: 'install' }
  | { readonly action: 'skip'; readonly reason: string };

/** The decision, as a pure function of the machine (tested on its own). */
export function chromiumPlan(m: ChromiumMachine): ChromiumPlan {
  if (m.chromiumExists) return { action: 'use' };
  const why = `no Chromium at ${CHROMIUM_PATH}`;
  if (m.installDisabled)
    return {
      action: 'skip',
      reason: `${why} and GAIL_BRIDGE_NO_BROWSER_INSTALL is set; apt-get install chromium`,
    };
  if (!m.isRoot) return { action: 'skip', reason: `${why}; as root: apt-get install -y chromium` };
  if (!m.hasAptGet)
    return { action: 'skip', reason: `${why} and no apt-get to install it with (not Debian?)` };
  return { action: 'install' };
}

/** This machine. */
export function thisMachine(): ChromiumMachine {
  return {
    chromiumExists: existsSync(CHROMIUM_PATH),
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    hasAptGet: spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0,
    installDisabled: process.env['GAIL_BRIDGE_NO_BROWSER_INSTALL'] === '1',
  };
}

/** Runs one apt-get command line; true when it exits 0 within `timeoutMs`. */
function apt(args: string[], timeoutMs: number): boolean {
  const r = spawnSync('apt-get', args, {
    stdio: 'ignore',
    timeout: timeoutMs,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return r.status === 0;
}

/**
 * Makes sure Chromium is there: installs it when `chromiumPlan` says so (apt-get install, and on failure
 * apt-get update then install again, 10 minutes at most each). Returns undefined when the browser is
 * ready, else the one-line reason to skip.
 */
export function ensureChromium(
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): string | undefined {
  const plan = chromiumPlan(thisMachine());
  if (plan.action === 'use') return undefined;
  if (plan.action === 'skip') return plan.reason;
  log(
    `browser tests: no Chromium at ${CHROMIUM_PATH}; installing Debian's package (apt-get install -y chromium, up to 10 min)…`,
  );
  const t0 = Date.now();
  const ok =
    apt(['install', '-y', '--no-install-recommends', 'chromium'], 600_000) ||
    (apt(['update'], 300_000) && apt(['install', '-y', '--no-install-recommends', 'chromium'], 600_000));
  if (!ok || !existsSync(CHROMIUM_PATH))
    return `no Chromium at ${CHROMIUM_PATH} and apt-get install -y chromium failed; install it by hand`;
  log(`browser tests: Chromium installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return undefined;
}

/** Launches the headless browser (the caller closes it). */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_FLAGS] });
}
