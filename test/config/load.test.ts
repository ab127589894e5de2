import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { formatPath, loadYamlConfig, parseYamlConfig } from '../../src/config/load.js';

const schema = z.strictObject({
  rate: z.number().positive(),
  items: z.array(z.strictObject({ name: z.string(), size: z.int() })),
});

describe('parseYamlConfig', () => {
  it('returns the validated record', () => {
    const text = 'rate: 10\nitems:\n  - { name: a, size: 2 }\n';
    assert.deepEqual(parseYamlConfig(text, 'x.yaml', schema), { rate: 10, items: [{ name: 'a', size: 2 }] });
  });

  it('names the file, line and field path of every problem', () => {
    const text = 'rate: -1\nitems:\n  - name: a\n    size: 2.5\n';
    assert.throws(() => parseYamlConfig(text, 'robots/x.yaml', schema), {
      name: 'GailBridgeError',
      code: 'config',
      message:
        'invalid config (2 problems):\n' +
        '  - robots/x.yaml:1: rate: Too small: expected number to be >0\n' +
        '  - robots/x.yaml:4: items[0].size: Invalid input: expected int, received number',
    });
  });

  it('reports an unknown key at its own line', () => {
    assert.throws(() => parseYamlConfig('rate: 1\nitems: []\nrat: 2\n', 'x.yaml', schema), {
      message: 'invalid config (1 problem):\n  - x.yaml:3: rat: unknown field (misspelt, or not valid here)',
    });
  });

  it('reports YAML syntax errors and duplicate keys with the line', () => {
    assert.throws(
      () => parseYamlConfig('rate: 1\nrate: 2\n', 'dup.yaml', schema),
      /dup\.yaml:2: Map keys must be unique/,
    );
    assert.throws(
      () => parseYamlConfig('rate: [1\n', 'bad.yaml', schema),
      /invalid YAML:\n {2}- bad\.yaml:\d+:/,
    );
  });

  it('rejects alias bombs instead of expanding them', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from({ length: 8 }, (_, i) => {
        const prev = i === 0 ? 'a' : `b${i - 1}`;
        return `b${i}: &b${i} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`;
      }),
    ].join('\n');
    assert.throws(() => parseYamlConfig(bomb, 'bomb.yaml', schema), /alias/i);
  });
});

describe('loadYamlConfig', () => {
  it('names a missing file', () => {
    assert.throws(() => loadYamlConfig('/nonexistent/robot.yaml', schema), {
      code: 'config',
      message: 'cannot read config /nonexistent/robot.yaml: no such file',
    });
  });
});

describe('formatPath', () => {
  it('writes dotted keys and bracketed indices', () => {
    assert.equal(formatPath(['action', 'limits', 'a', 0]), 'action.limits.a[0]');
    assert.equal(formatPath([]), '(top level)');
  });
});
