import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildNativeHarness, runNative } from '../../bench/lib/native.js';
import { encodeProtocol, randomProtocol } from '../../bench/lib/protocol.js';
import { RawWasmSim, WASM_BUILDS, type WasmBuild } from '../../bench/lib/wasm-raw.js';
import { GailBridgeError } from '../../src/core/errors.js';

/** A sliding box driven by one motor, with its actuator in an included file (tests the folder copy). */
const MAIN = `<mujoco model="slider">
  <option timestep="0.01"/>
  <include file="parts/actuators.xml"/>
  <worldbody>
    <body name="box">
      <joint name="slide" type="slide" axis="1 0 0"/>
      <geom type="box" size="0.1 0.1 0.1" mass="1"/>
    </body>
  </worldbody>
</mujoco>`;
const ACTUATORS = `<mujoco><actuator>
  <motor joint="slide" gear="1" ctrllimited="true" ctrlrange="-2 0.5"/>
  <motor joint="slide" gear="1"/>
</actuator></mujoco>`;

describe('bench raw WASM stepping', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gb-bench-raw-'));
    mkdirSync(join(dir, 'parts'));
    writeFileSync(join(dir, 'slider.xml'), MAIN);
    writeFileSync(join(dir, 'parts', 'actuators.xml'), ACTUATORS);
    writeFileSync(join(dir, 'broken.xml'), '<mujoco><worldbody><body></mujoco>');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const build of Object.keys(WASM_BUILDS) as WasmBuild[]) {
    it(`${build}: loads a model with includes, replays a protocol and frees its handles once`, async () => {
      const sim = await RawWasmSim.open(build, dir, join(dir, 'slider.xml'), 'slider');
      assert.equal(sim.nu, 2);
      assert.deepEqual(sim.ctrlRange(), { low: [-2, -1], high: [0.5, 1] });
      const p = randomProtocol({
        ...sim.ctrlRange(),
        frameSkip: 3,
        steps: 20,
        seed: 1,
        episodeLength: () => 7,
      });
      const t = sim.replay(p);
      assert.equal(t.physicsSteps, 60);
      assert.ok(t.seconds > 0);
      sim.dispose();
      sim.dispose();
      assert.throws(
        () => sim.replay(p),
        (e: unknown) =>
          e instanceof GailBridgeError && e.code === 'state' && /used after dispose/.test(e.message),
      );
    });

    it(`${build}: names the file when the MJCF is malformed, and a protocol of the wrong width`, async () => {
      await assert.rejects(
        RawWasmSim.open(build, dir, join(dir, 'broken.xml'), 'slider'),
        (e: unknown) => e instanceof GailBridgeError && e.code === 'mjcf' && e.message.includes('broken.xml'),
      );
      const sim = await RawWasmSim.open(build, dir, join(dir, 'slider.xml'), 'slider');
      try {
        const p = randomProtocol({
          low: [-1],
          high: [1],
          frameSkip: 1,
          steps: 2,
          seed: 1,
          episodeLength: () => 2,
        });
        assert.throws(() => sim.replay(p), /the protocol has 1 controls, the model 2 actuators/);
      } finally {
        sim.dispose();
      }
    });
  }

  it('native harness (libmujoco-dev): replays the same protocol, and reports MuJoCo load errors', (t) => {
    const harness = buildNativeHarness();
    if (!harness.ok) {
      t.skip(harness.reason);
      return;
    }
    const p = randomProtocol({
      low: [-2, -1],
      high: [0.5, 1],
      frameSkip: 2,
      steps: 15,
      seed: 2,
      episodeLength: () => 5,
    });
    const file = join(dir, 'slider.protocol');
    writeFileSync(file, encodeProtocol(p));
    const run = runNative(harness.binary, join(dir, 'slider.xml'), file, 1, 2);
    assert.match(run.version, /^\d+\.\d+\.\d+$/);
    assert.equal(run.timings.length, 2);
    for (const timing of run.timings) assert.equal(timing.physicsSteps, 30);
    assert.throws(
      () => runNative(harness.binary, join(dir, 'broken.xml'), file, 0, 1),
      (e: unknown) => e instanceof GailBridgeError && e.code === 'mjcf' && e.message.includes('broken.xml'),
    );
    writeFileSync(file, encodeProtocol({ ...p, nu: 1, ctrl: p.ctrl.subarray(0, 15) }));
    assert.throws(
      () => runNative(harness.binary, join(dir, 'slider.xml'), file, 0, 1),
      /nu=2 but the protocol was written for nu=1/,
    );
  });
});
