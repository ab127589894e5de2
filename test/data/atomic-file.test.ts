import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GailBridgeError } from '../../src/core/errors.js';
import { commitFileAtomic, tempPathFor, writeFileAtomic } from '../../src/data/atomic-file.js';

const dir = mkdtempSync(join(tmpdir(), 'gb-atomic-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temp file behind', () => {
    const path = join(dir, 'a.json');
    writeFileSync(path, 'old');
    writeFileAtomic(path, '{"new": true}\n');
    assert.equal(readFileSync(path, 'utf8'), '{"new": true}\n');
    writeFileAtomic(path, Uint8Array.of(1, 2, 3));
    assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
    assert.deepEqual(readdirSync(dir), ['a.json']);
  });

  it('names the file when it cannot write, and cleans up', () => {
    assert.throws(
      () => writeFileAtomic(join(dir, 'missing', 'b.json'), 'x'),
      (e: unknown) =>
        e instanceof GailBridgeError &&
        e.code === 'file' &&
        /^cannot create file .*missing\/b\.json: its folder does not exist$/.test(e.message),
    );
    const tmp = tempPathFor(join(dir, 'c.mcap'));
    writeFileSync(tmp, 'streamed');
    commitFileAtomic(tmp, join(dir, 'c.mcap'));
    assert.equal(readFileSync(join(dir, 'c.mcap'), 'utf8'), 'streamed');
    assert.deepEqual(readdirSync(dir).sort(), ['a.json', 'c.mcap']);
  });
});
