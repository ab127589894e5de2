#!/usr/bin/env node
/**
 * `npm run test:ros2` (tsx scripts/test-ros2.ts): the ROS-facing code on a real ROS 2 graph. Where ROS 2 is not sourced it says so in
 * one line and exits 0 (CI has no ROS 2; everything ROS-facing also runs there over the in-process bus).
 * Where it is sourced:
 *   1. installs rclnodejs if it is missing, the documented way (RCLNODEJS_INSTALL below, as in the docs);
 *   2. builds dist/ (launch files and the end-to-end scenarios run the CLI as users do: bin/gail-bridge.js);
 *   3. builds msgs/gail_bridge_msgs with colcon into a temporary folder, sources it and lets rclnodejs
 *      generate its JavaScript for it;
 *   4. runs the Bus contract suite over rclnodejs (test/ros/rclnodejs-bus.test.ts) and the end-to-end
 *      scenarios with real processes (test/ros2/*.ros2.ts), on a ROS_DOMAIN_ID of its own.
 * `--keep` keeps the temporary folder; `--only PATTERN` passes a test-name pattern to the test runner.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RCLNODEJS_INSTALL } from '../src/ros/rclnodejs-bus.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line: string): boolean => process.stderr.write(`test:ros2: ${line}\n`);

if (!process.env.ROS_DISTRO) {
  process.stdout.write(
    'test:ros2: ROS 2 is not sourced (ROS_DISTRO is unset): nothing to run here; source /opt/ros/<distro>/setup.bash and run it again.\n',
  );
  process.exit(0);
}

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;

function run(cmd: string, argv: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): void {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', ...options });
  if (r.status !== 0) {
    say(`FAILED: ${cmd} ${argv.join(' ')} (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

// 1. rclnodejs, installed the way the docs say (it builds its native addon against the sourced ROS 2).
const require = createRequire(join(root, 'package.json'));
const hasRclnodejs = (): boolean => {
  try {
    require.resolve('rclnodejs');
    return true;
  } catch {
    return false;
  }
};
if (!hasRclnodejs()) {
  say(`rclnodejs is not installed; installing it as documented: ${RCLNODEJS_INSTALL.line}`);
  // node-gyp downloads Node's headers unless told where they are; a Node installed with its headers
  // (official tarballs, Debian's nodejs) has them beside the binary, which also works offline.
  const prefix = dirname(dirname(process.execPath));
  const nodedir =
    process.env.npm_config_nodedir ??
    (existsSync(join(prefix, 'include', 'node', 'node.h')) ? prefix : undefined);
  run(RCLNODEJS_INSTALL.argv[0], RCLNODEJS_INSTALL.argv.slice(1), {
    env: { ...process.env, ...RCLNODEJS_INSTALL.env, ...(nodedir ? { npm_config_nodedir: nodedir } : {}) },
  });
  if (!hasRclnodejs()) {
    say(`FAILED: rclnodejs is still not installed after \`${RCLNODEJS_INSTALL.line}\``);
    process.exit(1);
  }
}

// 2. dist/ for bin/gail-bridge.js.
say('building dist/ (npm run build)');
run('npm', ['run', 'build', '--silent']);

// 3. The interface package, built out of tree, and rclnodejs's JS for it.
const tmp = mkdtempSync(join(tmpdir(), 'gb-test-ros2-'));
let code = 1;
let generatedForOverlay = false;
try {
  say(`building msgs/gail_bridge_msgs with colcon into ${tmp}`);
  run('colcon', [
    '--log-base',
    join(tmp, 'log'),
    'build',
    '--base-paths',
    'msgs',
    '--build-base',
    join(tmp, 'build'),
    '--install-base',
    join(tmp, 'install'),
    '--merge-install',
    '--cmake-args',
    '-DBUILD_TESTING=OFF',
  ]);
  // The overlay's environment, as `source install/setup.bash` would leave it.
  const dump = execFileSync(
    'bash',
    ['-c', `source ${JSON.stringify(join(tmp, 'install', 'setup.bash'))} && env -0`],
    { cwd: root, encoding: 'utf8', maxBuffer: 16 << 20 },
  );
  const env: NodeJS.ProcessEnv = {};
  for (const entry of dump.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  // A domain of its own, so that other graphs on this machine neither disturb nor see the scenarios.
  env.ROS_DOMAIN_ID = String(50 + (process.pid % 50));
  env.GAIL_BRIDGE_TEST_ROS2_TMP = tmp;
  say('generating rclnodejs JavaScript for the sourced interfaces (npx generate-ros-messages)');
  generatedForOverlay = true;
  run('npx', ['--no-install', 'generate-ros-messages'], { env });

  // 4. The contract suite over rclnodejs, then the end-to-end scenarios.
  const scenarios = readdirSync(join(root, 'test', 'ros2'))
    .filter((f) => f.endsWith('.ros2.ts'))
    .sort()
    .map((f) => join('test', 'ros2', f));
  const files = ['test/ros/rclnodejs-bus.test.ts', ...scenarios];
  say(
    `ROS_DISTRO=${env.ROS_DISTRO} RMW_IMPLEMENTATION=${env.RMW_IMPLEMENTATION ?? '(default)'} ROS_DOMAIN_ID=${env.ROS_DOMAIN_ID}; running ${files.join(' ')}`,
  );
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=1',
      ...(only ? ['--test-name-pattern', only] : []),
      ...files,
    ],
    { cwd: root, stdio: 'inherit', env },
  );
  code = r.status ?? 1;
} finally {
  // rclnodejs keeps the JavaScript it generated for the temporary overlay; once the overlay is gone its
  // type support libraries are too, and creating a gail_bridge_msgs entity would fail. Generate again
  // for the environment the caller sourced.
  if (generatedForOverlay && !keep) {
    say('generating rclnodejs JavaScript again for the environment you sourced (the overlay is removed)');
    spawnSync('npx', ['--no-install', 'generate-ros-messages'], { cwd: root, stdio: 'inherit' });
  }
  if (keep) say(`kept ${tmp}`);
  else if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
}
process.exit(code);
