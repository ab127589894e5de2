import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertSpecsMatch, makeSpaceSpec, type Spec, specDiff } from '../../src/core/spec.js';

const spec = (obs: string[], act: string[], rate = 125): Spec => ({
  observation: makeSpaceSpec({ names: obs }),
  action: makeSpaceSpec({ names: act }),
  controlRateHz: rate,
  source: { kind: 'task', task: 'test' },
  producer: 'test',
});

describe('specDiff', () => {
  it('is empty for equal specs', () => {
    assert.deepEqual(specDiff(spec(['a', 'b'], ['u']), spec(['a', 'b'], ['u'])), []);
  });

  it('names missing joints, order changes and rate', () => {
    assert.deepEqual(specDiff(spec(['a', 'b', 'wrist_3'], ['u']), spec(['a', 'b'], ['u'], 100)), [
      'observation: expected 3 elements, got 2',
      'observation: missing wrist_3',
      'control rate: expected 125 Hz, got 100 Hz',
    ]);
    assert.deepEqual(specDiff(spec(['a', 'b'], ['u']), spec(['b', 'a'], ['u'])), [
      'observation[0]: expected a, got b (same names, different order)',
    ]);
  });

  it('throws with context and every difference', () => {
    assert.throws(
      () => assertSpecsMatch('demo file x.mcap vs task hopper', spec(['a'], ['u']), spec(['a'], ['v'])),
      {
        message:
          'demo file x.mcap vs task hopper: specs differ:\n  - action: missing u\n  - action: unexpected v',
      },
    );
  });

  it('rejects bounds of the wrong length', () => {
    assert.throws(() => makeSpaceSpec({ names: ['a', 'b'], low: [0] }), /space low: expected 2 entries/);
  });
});
