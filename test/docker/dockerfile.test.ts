/**
 * The Dockerfile, checked statically (no Docker daemon on the build machines): it validates with
 * dockerfile-utils (the linter behind the Docker language server), names the stages the docs name, copies
 * only sources that exist and that .dockerignore lets through, sources ROS 2 before `npm ci` (rclnodejs
 * binds to the sourced distro and generates JS for every sourced interface package), builds
 * gail_bridge_msgs with colcon, and pins Node and the GPU stack to versions that fit package.json.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { RCLNODEJS_INSTALL } from '../../src/ros/rclnodejs-bus.js';

const ROOT = join(import.meta.dirname, '../..');
const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(text);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  scripts?: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};

/** Targets documented in the Dockerfile header and README.md. */
const DOCUMENTED_TARGETS = ['cpu', 'gpu', 'test'];

/** ARG defaults declared before the first FROM (global scope). */
function globalArgs(): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of dockerfile.getInitialARGs()) {
    const p = a.getProperty();
    if (p?.getName()) out.set(p.getName(), p.getValue() ?? '');
  }
  return out;
}

/** Instructions of one stage, by its `AS` name. */
function stage(name: string): Instruction[] {
  const s = dockerfile.getFROMs().find((f) => f.getBuildStage() === name);
  assert.ok(s, `Dockerfile: no stage named ${name}`);
  const all = dockerfile.getInstructions();
  const start = all.indexOf(s);
  const next = all.findIndex((i, k) => k > start && i.getKeyword() === 'FROM');
  return all.slice(start, next === -1 ? undefined : next);
}

/** The instruction as written (keyword, arguments, continuation lines). */
const body = (i: Instruction): string => i.getTextContent();

/** .dockerignore patterns (top-level names and globs) as a matcher for context-relative paths. */
function dockerignored(path: string): boolean {
  const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  return patterns.some((p) => {
    const re = new RegExp(
      `^${p
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '(.*/)?')
        .replace(/\*/g, '[^/]*')}(/.*)?$`,
    );
    return re.test(path);
  });
}

describe('Dockerfile', () => {
  it('validates with dockerfile-utils (no diagnostics)', () => {
    assert.deepEqual(
      validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`),
      [],
    );
  });

  it('the validator flags broken Dockerfiles (so the check above can fail)', () => {
    assert.ok(validate('FROMM ubuntu\n').length > 0, 'unknown instruction');
    assert.ok(validate('FROM ubuntu\nCOPY onlyone\n').length > 0, 'COPY with one argument');
    assert.ok(validate('FROM ubuntu\nEXPOSE notaport\n').length > 0, 'bad EXPOSE');
  });

  it('has the documented targets, with cpu last so a plain `docker build .` makes it', () => {
    const stages = dockerfile.getFROMs().map((f) => f.getBuildStage());
    for (const t of DOCUMENTED_TARGETS)
      assert.ok(stages.includes(t), `no stage ${t} in ${stages.join(', ')}`);
    assert.equal(stages.at(-1), 'cpu');
    assert.equal(new Set(stages).size, stages.length, 'stage names must be unique');
  });

  it('starts from the ROS 2 Jazzy ros-base image', () => {
    const base = dockerfile.getFROMs()[0]!;
    assert.match(base.getImage() ?? '', /^ros:\$\{ROS_DISTRO\}-ros-base$/);
    assert.equal(globalArgs().get('ROS_DISTRO'), 'jazzy');
  });

  it('pins a Node 20 release that satisfies package.json engines and checks its SHA-256', () => {
    const v = globalArgs().get('NODE_VERSION') ?? '';
    assert.match(v, /^20\.\d+\.\d+$/);
    const min = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(pkg.engines.node);
    assert.ok(min, `engines.node ${pkg.engines.node}: expected ">=X[.Y.Z]"`);
    const [maj, minr, patch] = v.split('.').map(Number) as [number, number, number];
    const need = [Number(min[1]), Number(min[2] ?? 0), Number(min[3] ?? 0)];
    assert.ok(
      maj > need[0]! || (maj === need[0] && (minr > need[1]! || (minr === need[1] && patch >= need[2]!))),
      `NODE_VERSION ${v} does not satisfy engines.node ${pkg.engines.node}`,
    );
    const install = stage('base').map(body).join('\n');
    assert.match(install, /nodejs\.org\/dist\/v\$\{NODE_VERSION\}\/node-v\$\{NODE_VERSION\}-linux-/);
    assert.match(install, /SHASUMS256\.txt \| sha256sum -c -/);
  });

  it('copies only sources that exist and that .dockerignore does not exclude', () => {
    let checked = 0;
    for (const copy of dockerfile.getCOPYs()) {
      if (copy.getFromFlag() || copy.getHeredocs().length > 0) continue;
      const args = copy.getArguments().map((a) => a.getValue());
      for (const src of args.slice(0, -1)) {
        checked++;
        assert.ok(existsSync(join(ROOT, src)), `COPY ${src}: no such file in the repository`);
        assert.ok(!dockerignored(src), `COPY ${src}: excluded by .dockerignore`);
      }
    }
    assert.ok(checked >= 8, `expected the sources to be copied, checked ${checked}`);
    assert.ok(dockerignored('node_modules'), 'node_modules must stay out of the context');
  });

  it('copies --from only earlier stages', () => {
    const seen: string[] = [];
    for (const i of dockerfile.getInstructions()) {
      if (i.getKeyword() === 'FROM') {
        const name = dockerfile
          .getFROMs()
          .find((f) => f === i)
          ?.getBuildStage();
        if (name) seen.push(name);
      }
      if (i.getKeyword() === 'COPY') {
        const from = dockerfile
          .getCOPYs()
          .find((c) => c === i)
          ?.getFromFlag()
          ?.getValue();
        if (from)
          assert.ok(seen.slice(0, -1).includes(from), `COPY --from=${from} before stage ${from} exists`);
      }
    }
  });

  it('builds gail_bridge_msgs with colcon, then runs npm ci with ROS 2 and the overlay sourced', () => {
    const msgs = stage('msgs').map(body).join('\n');
    assert.match(msgs, /msgs\/gail_bridge_msgs \/opt\/gail_bridge_ws\/src\/gail_bridge_msgs/);
    assert.match(
      msgs,
      /source \/opt\/ros\/\$\{ROS_DISTRO\}\/setup\.bash[\s\S]*colcon build --packages-select gail_bridge_msgs/,
    );
    const ci = stage('build').find((i) => i.getKeyword() === 'RUN' && /npm ci/.test(body(i)));
    assert.ok(ci, 'build stage: no RUN with npm ci');
    for (const target of ['build-test', 'build-cpu', 'build-gpu']) {
      const install = stage(target).find((i) => i.getKeyword() === 'RUN' && /rclnodejs@/.test(body(i)));
      assert.ok(install, `${target}: no RUN installing rclnodejs`);
      const cmd = body(install);
      const rosAt = cmd.search(/source \/opt\/ros\/\$\{ROS_DISTRO\}\/setup\.bash/);
      const overlayAt = cmd.indexOf('source /opt/gail_bridge_ws/install/setup.bash');
      const npmAt = cmd.indexOf('npm install');
      assert.ok(rosAt >= 0 && rosAt < npmAt, `${target}: ROS 2 must be sourced before installing rclnodejs`);
      assert.ok(
        overlayAt >= 0 && overlayAt < npmAt,
        `${target}: the gail_bridge_msgs overlay must be sourced first`,
      );
      assert.match(
        cmd,
        /require\('rclnodejs'\)/,
        `${target}: the build must fail when rclnodejs did not install`,
      );
      assert.match(
        cmd,
        /generated\/gail_bridge_msgs/,
        `${target}: rclnodejs must have generated gail_bridge_msgs`,
      );
      // npm drops earlier --no-save packages on the next install: one install command per target.
      assert.equal(stage(target).filter((i) => /npm install/.test(body(i))).length, 1);
    }
  });

  it('has an entrypoint that sources ROS 2 and the overlay and runs gail-bridge', () => {
    const runtime = stage('runtime');
    const heredoc = runtime.find((i) =>
      /^COPY --chmod=755 <<'EOF' \/usr\/local\/bin\/gail-bridge-entrypoint\n/.test(body(i)),
    );
    assert.ok(heredoc, 'runtime stage: no heredoc COPY --chmod=755 of /usr/local/bin/gail-bridge-entrypoint');
    const script =
      /<<'EOF' \/usr\/local\/bin\/gail-bridge-entrypoint\n([\s\S]*?)\nEOF\n/.exec(text)?.[1] ?? '';
    assert.match(script, /^#!\/bin\/bash/);
    assert.match(script, /source "\/opt\/ros\/\$\{ROS_DISTRO\}\/setup\.bash"/);
    assert.match(script, /source \/opt\/gail_bridge_ws\/install\/setup\.bash/);
    assert.match(script, /exec gail-bridge "\$@"/);
    const entry = runtime.find((i) => i.getKeyword() === 'ENTRYPOINT');
    assert.ok(entry && /gail-bridge-entrypoint/.test(body(entry)));
    for (const t of ['cpu', 'gpu'])
      assert.ok(
        stage(t).some((i) =>
          /ln -s \/opt\/gail-bridge\/bin\/gail-bridge\.js \/usr\/local\/bin\/gail-bridge/.test(body(i)),
        ),
        `${t}: gail-bridge not on PATH`,
      );
    assert.ok(existsSync(join(ROOT, 'bin/gail-bridge.js')));
  });

  it('gpu: CUDA 11.2 + cuDNN 8 base and a tfjs-node-gpu of the same major as @tensorflow/tfjs', () => {
    const args = globalArgs();
    assert.match(args.get('CUDA_IMAGE') ?? '', /^nvidia\/cuda:11\.2\.\d+-cudnn8-/);
    const gpuVersion = args.get('TFJS_NODE_GPU_VERSION') ?? '';
    const tfjs = pkg.dependencies['@tensorflow/tfjs'] ?? '';
    assert.equal(gpuVersion.split('.')[0], tfjs.replace(/^[\^~]/, '').split('.')[0]);
    const gpu = [...stage('build-gpu'), ...stage('gpu')].map(body).join('\n');
    assert.match(gpu, /@tensorflow\/tfjs-node-gpu@\$\{TFJS_NODE_GPU_VERSION\}/);
    assert.match(gpu, /--from=cuda \/usr\/local\/cuda\/lib64/);
    assert.match(gpu, /libcudnn/);
    assert.match(gpu, /LD_LIBRARY_PATH=\/usr\/local\/cuda\/lib64/);
  });

  it('test: runs npm run test:ros2, with what it needs copied in', () => {
    const cmd = stage('test').find((i) => i.getKeyword() === 'CMD');
    assert.ok(cmd);
    assert.match(body(cmd), /"npm", "run", "test:ros2"/);
    assert.match(pkg.scripts?.['test:ros2'] ?? '', /scripts\/test-ros2\.ts/);
    const copies = stage('test')
      .filter((i) => i.getKeyword() === 'COPY')
      .map(body)
      .join('\n');
    for (const dir of ['test', 'scripts', 'experts']) {
      assert.match(copies, new RegExp(`^COPY ${dir} `, 'm'), `test stage: ${dir}/ not copied`);
      assert.ok(existsSync(join(ROOT, dir)));
    }
  });

  it('installs rclnodejs with the documented command', () => {
    for (const target of ['build-test', 'build-cpu', 'build-gpu']) {
      const install = stage(target).find((i) => i.getKeyword() === 'RUN' && /rclnodejs@/.test(body(i)));
      assert.match(body(install!), /npm_config_yes=true npm install --no-save --save-peer /, target);
    }
    assert.match(RCLNODEJS_INSTALL.line, /^npm_config_yes=true npm install --no-save --save-peer rclnodejs@/);
  });

  it('installs the rclnodejs version package.json accepts as its optional peer', () => {
    const range = pkg.peerDependencies?.['rclnodejs'] ?? '';
    assert.ok(
      pkg.peerDependenciesMeta?.['rclnodejs']?.optional,
      'rclnodejs must stay optional (npm ci without ROS 2)',
    );
    const m = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
    assert.ok(m, `peerDependencies.rclnodejs: expected ^X.Y.Z, got "${range}"`);
    const v = (globalArgs().get('RCLNODEJS_VERSION') ?? '').split('.').map(Number);
    assert.equal(v[0], Number(m[1]), `RCLNODEJS_VERSION ${v.join('.')} outside ${range}`);
    assert.ok(
      v[1]! > Number(m[2]) || (v[1] === Number(m[2]) && v[2]! >= Number(m[3])),
      `RCLNODEJS_VERSION outside ${range}`,
    );
  });
});
