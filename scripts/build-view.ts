/**
 * `npm run build` (after tsc): bundles the view page's script into dist/view/app.js, which an installed
 * package serves (src/view/bundle.ts builds it from source in a clone).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { buildClientBundle, PACKAGE_ROOT } from '../src/view/bundle.js';

const js = await buildClientBundle();
mkdirSync(`${PACKAGE_ROOT}dist/view`, { recursive: true });
writeFileSync(`${PACKAGE_ROOT}dist/view/app.js`, js);
process.stderr.write(`view: dist/view/app.js (${(js.length / 1024).toFixed(0)} KiB)\n`);
