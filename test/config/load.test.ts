import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { z } from 'zod';
import {
  formatPath,
  loadYamlConfig,
  MAX_CONFIG_BYTES,
  MAX_REPORTED_PROBLEMS,
  parseYamlConfig,
} from '../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'gb-load-'));
after(() => rmSync(dir, { recursive: true, force: true }));

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
    assert.throws(() => parseYamlConfig(bomb, 'bomb.yaml', schema), {
      name: 'GailBridgeError',
      code: 'config',
      message:
        'bomb.yaml: its aliases (*name) expand to more than 100 nodes, which a configuration never needs ' +
        '(a YAML "billion laughs" file?); write the values out or use fewer aliases',
    });
  });

  it('lists at most MAX_REPORTED_PROBLEMS problems, each cut short, and says how many more', () => {
    const keys = Array.from({ length: 500 }, (_, i) => `k${i}_${'x'.repeat(1000)}: 1`).join('\n');
    let message = '';
    assert.throws(
      () => parseYamlConfig(`rate: 1\nitems: []\n${keys}\n`, 'many.yaml', schema),
      (e: Error) => {
        message = e.message;
        return true;
      },
    );
    const lines = message.split('\n');
    assert.equal(lines[0], 'invalid config (500 problems):');
    assert.equal(lines.length, 1 + MAX_REPORTED_PROBLEMS + 1);
    assert.equal(lines.at(-1), '  - … and 480 more');
    assert.match(lines[1]!, /^ {2}- many\.yaml:3: k0_x+… \(cut\)$/);
    assert.ok(message.length < 8000, `${message.length} characters`);
  });

  it('bounds the error text for garbage: a few lines, not megabytes', () => {
    const garbage = Array.from({ length: 200_000 }, (_, i) =>
      String.fromCharCode(1 + ((i * 7919) % 126)),
    ).join('');
    assert.throws(
      () => parseYamlConfig(garbage, 'garbage.yaml', schema),
      (e: Error) => {
        assert.match(e.message, /^invalid (YAML|config)/);
        assert.ok(e.message.length < 8000, `${e.message.length} characters`);
        return true;
      },
    );
  });
});

describe('loadYamlConfig', () => {
  it('names a missing file', () => {
    assert.throws(() => loadYamlConfig('/nonexistent/robot.yaml', schema), {
      code: 'config',
      message: 'cannot read config /nonexistent/robot.yaml: no such file',
    });
  });

  it('says a directory is not a config file', () => {
    const folder = join(dir, 'robots');
    mkdirSync(folder);
    assert.throws(() => loadYamlConfig(folder, schema), {
      code: 'config',
      message: `config ${folder} is a directory, expected a file`,
    });
  });

  it('refuses a file over MAX_CONFIG_BYTES before reading it', () => {
    const big = join(dir, 'huge.yaml');
    writeFileSync(big, '');
    truncateSync(big, 50 * 1024 ** 3); // sparse: reading it whole would take 50 GiB
    const t0 = performance.now();
    assert.throws(() => loadYamlConfig(big, schema), {
      code: 'config',
      message: `config ${big} is 50.0 GiB, over the ${MAX_CONFIG_BYTES / 1024 ** 2} MiB a config file may have; is it the right file?`,
    });
    assert.ok(performance.now() - t0 < 1000);
  });
});

describe('formatPath', () => {
  it('writes dotted keys and bracketed indices', () => {
    assert.equal(formatPath(['action', 'limits', 'a', 0]), 'action.limits.a[0]');
    assert.equal(formatPath([]), '(top level)');
  });
});
