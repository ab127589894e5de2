import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GailBridgeError } from '../../src/core/errors.js';
import { loadModel } from '../../src/sim/model.js';
import { loadMujoco } from '../../src/sim/mujoco.js';

const fixture = (p: string): string => fileURLToPath(new URL(`../fixtures/mjcf/${p}`, import.meta.url));

const TINY = `<mujoco model="tiny"><worldbody><body><joint name="j" type="hinge"/><geom size="0.1"/></body>
</worldbody><actuator><motor joint="j" ctrllimited="true" ctrlrange="-1 1"/></actuator></mujoco>`;

/** Asserts that `fn` rejects with an mjcf error whose message matches every pattern. */
async function rejectsMjcf(fn: () => Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(fn, (err: unknown) => {
    assert.ok(err instanceof GailBridgeError, `expected GailBridgeError, got ${String(err)}`);
    assert.equal(err.code, 'mjcf');
    for (const p of patterns) assert.match(err.message, p);
    return true;
  });
}

describe('loadMujoco', () => {
  it('returns one cached module per thread', async () => {
    const [a, b] = await Promise.all([loadMujoco(), loadMujoco()]);
    assert.equal(a, b);
  });
});

describe('loadModel', () => {
  it('loads a string model and reads names, sizes and ctrl ranges', async () => {
    const m = await loadModel({ xml: TINY });
    assert.equal(m.info.nq, 1);
    assert.deepEqual(m.info.jointNames, ['j']);
    assert.deepEqual(m.info.ctrlRange, [[-1, 1]]);
    assert.equal(m.info.actuatorNames[0], 'actuator0');
    m.dispose();
  });

  it('loads a file with an <include> and a mesh found through meshdir, and cleans the WASM FS', async () => {
    const m = await loadModel({ path: fixture('with-include/robot.xml') });
    assert.deepEqual(m.info.jointNames, ['hinge']);
    assert.deepEqual(m.info.actuatorNames, ['hinge_motor']);
    m.dispose();
    const fs = (await loadMujoco()).FS;
    const root = fs.analyzePath('/gail-bridge-mjcf', false) as { exists: boolean };
    if (root.exists) assert.deepEqual((fs.readdir('/gail-bridge-mjcf') as string[]).sort(), ['.', '..']);
  });

  it('loads string models with assets given by relative path', async () => {
    const stl = await import('node:fs').then((fs) =>
      fs.readFileSync(fixture('with-include/assets/meshes/tetra.stl')),
    );
    const xml = `<mujoco><asset><mesh name="t" file="m/t.stl"/></asset><worldbody><body><freejoint/>
      <geom type="mesh" mesh="t"/></body></worldbody></mujoco>`;
    const m = await loadModel({ xml, assets: { 'm/t.stl': new Uint8Array(stl) } });
    assert.equal(m.info.nq, 7);
    assert.deepEqual(m.info.jointTypes, ['free']);
    m.dispose();
  });

  it('dispose() is idempotent and later use throws a state error', async () => {
    const m = await loadModel({ xml: TINY, name: 'tiny.xml' });
    m.dispose();
    m.dispose();
    assert.equal(m.disposed, true);
    assert.throws(
      () => m.data,
      (e: unknown) =>
        e instanceof GailBridgeError && e.code === 'state' && /tiny\.xml.*after dispose/.test(e.message),
    );
    assert.throws(() => m.views(), /after dispose/);
  });

  it('names the file and line of malformed XML', async () => {
    await rejectsMjcf(
      () => loadModel({ xml: '<mujoco><worldbody><body></mujoco>', name: 'broken.xml' }),
      /^MJCF broken\.xml:/,
      /malformed XML \(line 1\)/,
    );
  });

  it('names a missing include and where includes are resolved', async () => {
    await rejectsMjcf(
      () => loadModel({ path: fixture('missing-include.xml') }),
      /missing-include\.xml/,
      /missing file .*parts\/nowhere\.xml/,
      /relative to the model file's folder/,
    );
  });

  it('names a missing mesh', async () => {
    await rejectsMjcf(
      () => loadModel({ path: fixture('missing-mesh.xml') }),
      /missing-mesh\.xml/,
      /missing file .*gone\.stl/,
      /meshdir/,
    );
  });

  it('names an actuator on an unknown joint', async () => {
    const xml = TINY.replace('joint="j" ctrl', 'joint="nope" ctrl');
    await rejectsMjcf(
      () => loadModel({ xml, name: 'act.xml' }),
      /act\.xml/,
      /'nope'/,
      /fix the joint\/site name/,
    );
  });

  it('names a bad attribute value and an unknown keyword', async () => {
    await rejectsMjcf(
      () =>
        loadModel({ xml: '<mujoco><worldbody><geom size="abc"/></worldbody></mujoco>', name: 'attr.xml' }),
      /attr\.xml/,
      /bad format in attribute 'size'/,
      /bad attribute or element \(line 1\)/,
    );
    await rejectsMjcf(
      () => loadModel({ xml: TINY.replace('type="hinge"', 'type="hinx"') }),
      /<MJCF string>/,
      /invalid keyword: 'hinx'/,
    );
  });

  it('names a missing mesh of an included file at the path MuJoCo looks for: compiler meshdir, from the model folder', async () => {
    const dir = fixture('include-missing-mesh');
    await assert.rejects(
      () => loadModel({ path: `${dir}/robot.xml` }),
      (err: unknown) => {
        assert.ok(err instanceof GailBridgeError);
        assert.equal(
          err.message,
          `MJCF ${dir}/robot.xml: missing file ${dir}/assets/meshes/forearm.stl: <mesh file="forearm.stl"> in ` +
            `${dir}/parts/arm.xml resolves against compiler meshdir "assets/meshes" from the model file's folder ` +
            `(MuJoCo then tries ${dir}/parts/forearm.stl, next to the file that declares it) — add the file or fix the path.`,
        );
        return true;
      },
    );
    // The same rule with the meshdir declared in the included file (the last compiler meshdir applies).
    await rejectsMjcf(
      () =>
        loadModel({
          xml: '<mujoco><include file="parts/arm.xml"/></mujoco>',
          assets: {
            'parts/arm.xml':
              '<mujoco><compiler meshdir="B"/><asset><mesh name="m" file="x.stl"/></asset>' +
              '<worldbody><geom type="mesh" mesh="m"/></worldbody></mujoco>',
          },
          name: 'string.xml',
        }),
      /^MJCF string\.xml: missing file \/model\/B\/x\.stl: <mesh file="x\.stl"> in \/model\/parts\/arm\.xml resolves against compiler meshdir "B"/,
    );
  });

  it('reports a missing model file with the resolved path', async () => {
    await rejectsMjcf(() => loadModel({ path: 'no/such/robot.xml' }), /no\/such\/robot\.xml: file not found/);
  });

  it('rejects absolute and escaping paths it cannot stage', async () => {
    await rejectsMjcf(
      () => loadModel({ xml: TINY, assets: { '../x.stl': 'x' } }),
      /asset names must be relative paths/,
    );
  });
});
