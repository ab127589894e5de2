/**
 * Progress bars as a user on a terminal sees them: against a fake TTY stream that records what is
 * written, with cli-progress's escape codes stripped and carriage returns resolved into lines.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { progressBar } from '../../src/cli/common.js';

/** A writable that says it is an 80-column terminal and keeps every byte written to it. */
function fakeTty(): Writable & { isTTY: true; columns: number; text(): string } {
  let out = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  }) as Writable & { isTTY: true; columns: number; text(): string };
  stream.isTTY = true;
  stream.columns = 80;
  stream.text = () => out;
  return stream;
}

/** The screen's lines: escape sequences removed, each line as last drawn after its final \r. */
function screenLines(raw: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences
  const plain = raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  return plain.split('\n').map(
    (line) =>
      line
        .split('\r')
        .filter((s) => s !== '')
        .pop() ?? '',
  );
}

describe('progressBar on a terminal', () => {
  it('shows fields whose names are not words ("steps/s") with their values, not placeholders', () => {
    const tty = fakeTty();
    const bar = progressBar(1000, 'gail', ['steps/s', 'Dacc', 'return'], { stream: tty });
    bar.update(500, { 'steps/s': 1234, Dacc: '0.90/0.80', return: '87.5' });
    bar.stop();
    const text = screenLines(tty.text()).join('\n');
    assert.doesNotMatch(text, /\{[^}]*\}/, `placeholders left in:\n${text}`);
    assert.match(text, /steps\/s: 1234 {2}Dacc: 0\.90\/0\.80 {2}return: 87\.5/);
    assert.match(text, /gail \[.*\] 50% 500\/1000/);
  });

  it('prints lines logged before and during the bar on their own lines, never on the bar', () => {
    const tty = fakeTty();
    const bar = progressBar(100, 'gail', ['return'], { stream: tty });
    bar.log('backend: wasm (test)');
    bar.update(10, { return: 1 });
    bar.log('resuming runs/x at round 3');
    bar.update(100, { return: 2 });
    bar.stop();
    const lines = screenLines(tty.text());
    assert.equal(lines[0], 'backend: wasm (test)');
    assert.ok(lines.includes('resuming runs/x at round 3'), lines.join('\n'));
    for (const line of lines)
      if (line.includes('backend') || line.includes('resuming')) assert.doesNotMatch(line, /\[|%/);
    assert.match(lines.filter((l) => l.trim() !== '').pop()!, /gail \[.*\] 100% 100\/100 .*return: 2/);
  });

  it('logs a line every 10% off a terminal', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const bar = progressBar(100, 'sim', ['steps/s'], { stream: sink });
    for (let v = 1; v <= 100; v++) bar.update(v, { 'steps/s': v });
    bar.stop();
    assert.equal(lines.length, 11);
    assert.equal(lines[1], 'sim 10/100 (10%) steps/s: 10');
  });
});
