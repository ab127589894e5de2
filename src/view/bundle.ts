/**
 * The view page's script: src/view/client/main.ts and what it imports (three.js, the project's own env,
 * tasks, pose decoding, policy forward pass and chart code) bundled by esbuild into one ES module, so the
 * page loads nothing from outside the server. `@mujoco/mujoco` stays out of the bundle: the page imports
 * it from /vendor/mujoco/ (served from node_modules), the same WASM build the CLI runs.
 *
 * The sim code the page shares with Node imports a few Node built-ins on paths the page never takes
 * (reading MJCF from disk, the package version); they resolve to small stand-ins here.
 *
 * In a clone (src/ present, esbuild installed) the bundle is built from source when the server starts;
 * an installed package serves dist/view/app.js, built by `npm run build`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GailBridgeError } from '../core/errors.js';
import { VERSION } from '../version.js';

/** The package root (from src/view/ and from dist/view/ alike). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = `${PACKAGE_ROOT}src/view/client/main.ts`;
const BUILT = `${PACKAGE_ROOT}dist/view/app.js`;

/** Where the page imports MuJoCo from. */
export const MUJOCO_URL = '/vendor/mujoco/mujoco.js';

/** Node built-ins as the shared sim code uses them, for a page that never reads files. */
const SHIMS: Readonly<Record<string, string>> = {
  'node:fs': `export const existsSync = () => false;
export const readFileSync = () => { throw new Error('no file system in the view page'); };`,
  'node:url': 'export const fileURLToPath = (u) => String(u);',
  'node:path': `const norm = (p) => p.replace(/\\/+/g, '/');
export const sep = '/';
export const isAbsolute = (p) => p.startsWith('/');
export const join = (...p) => norm(p.join('/'));
export const resolve = (...p) => join(...p);
export const dirname = (p) => p.slice(0, Math.max(0, p.lastIndexOf('/'))) || '/';
export const posix = { join, dirname };`,
  'node:module': 'export const createRequire = () => () => ({});',
};

/** Builds the bundle from source with esbuild (a development dependency). */
export async function buildClientBundle(options: { minify?: boolean } = {}): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? true,
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
    plugins: [
      {
        name: 'gail-bridge-view',
        setup(build) {
          build.onResolve({ filter: /^@mujoco\/mujoco$/ }, () => ({ path: MUJOCO_URL, external: true }));
          build.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'shim' }));
          build.onResolve({ filter: /\/version\.js$/ }, () => ({ path: 'version', namespace: 'shim' }));
          build.onLoad({ filter: /.*/, namespace: 'shim' }, (args) => {
            if (args.path === 'version')
              return {
                contents: `export const VERSION = ${JSON.stringify(VERSION)};\nexport const PRODUCER = ${JSON.stringify(`gail-bridge ${VERSION}`)};`,
                loader: 'js',
              };
            const contents = SHIMS[args.path];
            if (contents === undefined) throw new Error(`the view page cannot use ${args.path}`);
            return { contents, loader: 'js' };
          });
        },
      },
    ],
  });
  return result.outputFiles[0]!.text;
}

/** The page's script: built from source in a clone, else the one `npm run build` left in dist/view. */
export async function clientBundle(): Promise<string> {
  if (existsSync(ENTRY)) {
    try {
      return await buildClientBundle();
    } catch (err) {
      if (!existsSync(BUILT)) throw viewBuildError(err);
    }
  }
  if (existsSync(BUILT)) return readFileSync(BUILT, 'utf8');
  throw viewBuildError(undefined);
}

function viewBuildError(cause: unknown): GailBridgeError {
  return new GailBridgeError(
    'file',
    `the view page's script is missing (${BUILT}) and could not be built from src/view/client` +
      `${cause === undefined ? '' : ` (${(cause as Error).message})`}; run \`npm run build\` in the package`,
    { cause },
  );
}
