import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeThrown } from '../../src/sim/mujoco.js';

describe('describeThrown (what the WASM build throws)', () => {
  it('reads Errors, strings, message-bearing objects, null and Emscripten exception pointers', () => {
    assert.equal(describeThrown(new Error('MuJoCo Error: x')), 'MuJoCo Error: x');
    assert.equal(describeThrown('mjXError'), 'mjXError');
    assert.equal(describeThrown({ message: 'from embind' }), 'from embind');
    assert.match(describeThrown(null), /no error detail/);
    assert.match(describeThrown(undefined), /no error detail/);
    assert.equal(describeThrown(5251312), 'non-Error value thrown: 5251312');
  });
});
