#!/usr/bin/env node
/**
 * `npm run check:ros`: type-checks the rclnodejs adapter (src/ros/rclnodejs-bus.ts) against the real
 * rclnodejs declarations without ROS 2. rclnodejs is installed into a temporary folder with
 * --ignore-scripts (its install and postinstall scripts need ROS 2), then a separate tsconfig compiles the
 * adapter plus a file asserting that the real module and Node satisfy the slice the adapter codes against.
 * The messages that rclnodejs generates from a ROS 2 install at postinstall are absent; a stub stands in
 * for them (`TypeClassName = string`), so message payloads are not checked here, only the API.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const range = pkg.peerDependencies?.rclnodejs ?? '^2.2.0';
const tmp = mkdtempSync(join(tmpdir(), 'gb-check-ros-'));
const keep = process.argv.includes('--keep');
try {
  writeFileSync(
    join(tmp, 'package.json'),
    JSON.stringify({ name: 'gb-check-ros', private: true, type: 'module' }),
  );
  process.stderr.write(`check:ros: installing rclnodejs@${range} (--ignore-scripts) into ${tmp}\n`);
  execFileSync(
    'npm',
    ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', `rclnodejs@${range}`],
    { cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const version = JSON.parse(readFileSync(join(tmp, 'node_modules/rclnodejs/package.json'), 'utf8')).version;
  const adapter = join(root, 'src/ros/rclnodejs-bus.ts');
  writeFileSync(
    join(tmp, 'generated-stub.d.ts'),
    `// Stands in for the interfaces.d.ts rclnodejs generates from a sourced ROS 2 at postinstall.
declare module 'rclnodejs' {
  type TypeClassName = string;
  type MessageTypeClassName = string;
  type ServiceTypeClassName = string;
  type ActionTypeClassName = string;
  type MessageType<T> = object;
  type ServiceRequestMessage<T> = object;
  type ServiceResponseMessage<T> = object;
  type InterfaceType<T> = object;
}
`,
  );
  writeFileSync(
    join(tmp, 'check.ts'),
    `import type { RclNode, RclnodejsModule } from ${JSON.stringify(adapter.replace(/\.ts$/, '.js'))};
type Real = typeof import('rclnodejs');
declare const real: Real;
declare const node: import('rclnodejs').Node;
// Fails when rclnodejs changes a signature the adapter relies on.
export const moduleSlice: RclnodejsModule = real;
export const nodeSlice: RclNode = node;
`,
  );
  writeFileSync(
    join(tmp, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          types: ['node'],
          typeRoots: [join(root, 'node_modules/@types')],
          strict: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: true,
          verbatimModuleSyntax: true,
          allowImportingTsExtensions: false,
          noEmit: true,
        },
        files: [
          join(tmp, 'generated-stub.d.ts'),
          join(tmp, 'node_modules/rclnodejs/types/index.d.ts'),
          join(tmp, 'check.ts'),
          adapter,
        ],
      },
      null,
      2,
    ),
  );
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(tmp, 'tsconfig.json')], { stdio: 'inherit' });
  process.stderr.write(`check:ros: src/ros/rclnodejs-bus.ts type-checks against rclnodejs ${version}\n`);
} catch (err) {
  process.stderr.write(
    `check:ros: FAILED (${err instanceof Error ? err.message.split('\n')[0] : String(err)})\n`,
  );
  process.exitCode = 1;
} finally {
  if (keep) process.stderr.write(`check:ros: kept ${tmp}\n`);
  else rmSync(tmp, { recursive: true, force: true });
}
