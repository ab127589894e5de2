/** Every XML file that ships and that ROS 2 or MuJoCo tools read is well-formed under a strict parser. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { wellFormedErrors } from './well-formed.js';

const ROOT = join(import.meta.dirname, '../..');

function xmlFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.xml'))
    .map((f) => join(dir, f));
}

describe('shipped XML is well-formed (strict parser)', () => {
  const files = [...xmlFiles('msgs'), ...xmlFiles('launch'), ...xmlFiles('src/sim/tasks')];

  it('finds the files it checks', () => {
    assert.ok(files.includes(join('msgs', 'gail_bridge_msgs', 'package.xml')), files.join(', '));
    assert.ok(files.filter((f) => f.startsWith('launch')).length >= 3);
  });

  for (const file of files) {
    it(file, () => {
      assert.deepEqual(wellFormedErrors(readFileSync(join(ROOT, file), 'utf8')), []);
    });
  }

  it('the checker refuses what expat refuses: "--" inside a comment, an unclosed tag, two roots', () => {
    assert.match(
      wellFormedErrors('<?xml version="1.0"?><!-- build with --packages-select x --><a/>')[0]!,
      /comment/,
    );
    assert.notDeepEqual(wellFormedErrors('<a><b></a>'), []);
    assert.notDeepEqual(wellFormedErrors('<a/><b/>'), []);
    assert.deepEqual(wellFormedErrors('<a x="1"><!-- ok - fine --><b/></a>'), []);
  });
});
