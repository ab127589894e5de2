import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  genericTaskFromConfig,
  loadGenericTask,
  loadTaskConfig,
  parseTaskConfig,
  withTaskConfigContext,
} from '../../src/config/task.js';
import { GailBridgeError } from '../../src/core/errors.js';
import { makeGenericEnv } from '../../src/sim/generic.js';

const HOPPER = 'config/tasks/hopper-generic.yaml';
const HOPPER_XML = 'src/sim/tasks/hopper.xml';

describe('task config', () => {
  it('loads every shipped config', () => {
    const files = readdirSync('config/tasks').filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 1);
    for (const f of files) loadTaskConfig(`config/tasks/${f}`);
  });

  it('turns the Hopper config into generic env options, the model relative to the file', () => {
    assert.deepEqual(loadGenericTask(HOPPER), {
      path: HOPPER_XML,
      options: {
        frameSkip: 4,
        horizon: 1000,
        excludeRootXY: true,
        resetNoise: 0.005,
        bodyHeight: [{ body: 'torso', minZ: 0.7 }],
        jointRange: [{ joint: 'rooty', min: -0.2, max: 0.2 }],
      },
    });
  });

  it('round-trips every field; --model overrides the file; unset fields stay unset', () => {
    const text = `
model: robot.xml
frame_skip: 2
horizon: 50
exclude_root_xy: false
sensors: true
reset_noise: 0
terminate:
  body_height: [{ body: torso, min_z: 0.5, max_z: 2 }, { body: head, max_z: 3 }]
  joint_range: [{ joint: hip, min: -1 }]
`;
    const cfg = parseTaskConfig(text, 'tasks/t.yaml');
    assert.deepEqual(genericTaskFromConfig(cfg, 'tasks/t.yaml'), {
      path: 'tasks/robot.xml',
      options: {
        frameSkip: 2,
        horizon: 50,
        excludeRootXY: false,
        sensors: true,
        resetNoise: 0,
        bodyHeight: [
          { body: 'torso', minZ: 0.5, maxZ: 2 },
          { body: 'head', maxZ: 3 },
        ],
        jointRange: [{ joint: 'hip', min: -1 }],
      },
    });
    assert.equal(genericTaskFromConfig(cfg, 'tasks/t.yaml', 'other.xml').path, 'other.xml');
    assert.equal(
      genericTaskFromConfig(parseTaskConfig('model: /abs/r.xml', 'tasks/t.yaml'), 'tasks/t.yaml').path,
      '/abs/r.xml',
    );
    assert.deepEqual(genericTaskFromConfig(parseTaskConfig('{}', 't.yaml'), 't.yaml', 'm.xml'), {
      path: 'm.xml',
      options: {},
    });
  });

  it('needs a model from the file or --model', () => {
    assert.throws(
      () => genericTaskFromConfig(parseTaskConfig('horizon: 10', 't.yaml'), 't.yaml'),
      (err: unknown) =>
        err instanceof GailBridgeError &&
        err.code === 'config' &&
        /t\.yaml: no model: set `model: robot.xml` in the file or pass --model robot.xml/.test(err.message),
    );
  });

  const bad: [string, string, RegExp][] = [
    [
      'frame_skip 0',
      'horizon: 10\nframe_skip: 0',
      /t\.yaml:2: frame_skip: expected a positive integer \(physics steps per env step\)$/m,
    ],
    ['fractional horizon', 'horizon: 1.5', /t\.yaml:1: horizon: expected a positive integer \(env steps\)$/m],
    [
      'negative reset noise',
      'model: r.xml\n\nreset_noise: -0.1',
      /t\.yaml:3: reset_noise: expected a number ≥ 0$/m,
    ],
    ['boolean as a string', 'exclude_root_xy: "yes"', /t\.yaml:1: exclude_root_xy: .*boolean/],
    ['misspelt key', 'horizon: 10\nframe_skp: 4', /t\.yaml:2: frame_skp: unknown field/],
    [
      'misspelt rule key',
      'terminate:\n  body_height:\n    - { body: torso, minz: 0.7 }',
      /t\.yaml:3: terminate\.body_height\[0\]\.minz: unknown field/,
    ],
    [
      'height range empty',
      'terminate:\n  body_height:\n    - { body: torso, min_z: 0.7 }\n    - { body: torso, min_z: 2, max_z: 1 }',
      /t\.yaml:4: terminate\.body_height\[1\]\.min_z: min_z must be < max_z \(2 >= 1\)/,
    ],
    [
      'rule without bounds',
      'terminate:\n  joint_range:\n    - { joint: rooty }',
      /t\.yaml:3: terminate\.joint_range\[0\]: give min, max or both/,
    ],
    [
      'joint range min = max',
      'terminate:\n  joint_range: [{ joint: rooty, min: 1, max: 1 }]',
      /t\.yaml:2: terminate\.joint_range\[0\]\.min: min must be < max \(1 >= 1\)/,
    ],
    ['empty body name', 'terminate:\n  body_height: [{ body: "", min_z: 0 }]', /body_height\[0\]\.body:/],
    [
      'infinite bound',
      'terminate:\n  joint_range: [{ joint: j, max: .inf }]',
      /t\.yaml:2: terminate\.joint_range\[0\]\.max: expected a finite number \(rad or m\)$/m,
    ],
  ];
  for (const [what, text, message] of bad)
    it(`reports the file, line and field: ${what}`, () => {
      assert.throws(
        () => parseTaskConfig(text, 't.yaml'),
        (err: unknown) => {
          assert.ok(err instanceof GailBridgeError && err.code === 'config');
          assert.match(err.message, message);
          return true;
        },
      );
    });

  it('names the config file when the model lacks a body or joint a rule names', async () => {
    for (const [rule, names] of [
      [
        'body_height: [{ body: pelvis, min_z: 0.7 }]',
        /body "pelvis", which the model lacks \(bodies: world, torso/,
      ],
      ['joint_range: [{ joint: hip, max: 1 }]', /joint "hip", which the model lacks \(joints: rootx, rootz/],
    ] as const) {
      const file = 'config/tasks/typo.yaml';
      const task = genericTaskFromConfig(
        parseTaskConfig(`model: ../../${HOPPER_XML}\nterminate:\n  ${rule}\n`, file),
        file,
      );
      await assert.rejects(
        withTaskConfigContext(file, () => makeGenericEnv({ path: task.path }, task.options)),
        (err: unknown) => {
          assert.ok(err instanceof GailBridgeError && err.code === 'config');
          assert.match(err.message, /^task config config\/tasks\/typo\.yaml: generic env /);
          assert.match(err.message, names);
          return true;
        },
      );
    }
  });
});
