import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { stopOnSignal, stoppedExitCode } from '../../src/cli/stop-on-signal.js';
import { StopRequest } from '../../src/run/stop.js';

describe('stopOnSignal', () => {
  for (const [first, second, code] of [
    ['SIGINT', 'SIGTERM', 143],
    ['SIGTERM', 'SIGINT', 130],
    // SIGHUP: the terminal closed or the output went away (src/cli/lost-output.ts).
    ['SIGHUP', 'SIGTERM', 143],
  ] as const)
    it(`${first} asks the run to stop; ${second} then exits at once with ${code}`, () => {
      const target = new EventEmitter();
      const stop = new StopRequest();
      const exits: number[] = [];
      const lines: string[] = [];
      let t = 0;
      const release = stopOnSignal(stop, {
        target,
        exit: (c) => exits.push(c),
        log: (l) => lines.push(l),
        now: () => t,
      });
      target.emit(first);
      assert.equal(stop.reason, first);
      assert.deepEqual(exits, []);
      assert.match(lines[0]!, new RegExp(`^${first}: stopping after the round in progress`));
      // Under ros2 launch, Ctrl-C arrives twice at once (terminal and launch): the same request.
      t = 5;
      target.emit(first);
      assert.deepEqual(exits, []);
      t = 1500;
      target.emit(second);
      assert.deepEqual(exits, [code]);
      assert.equal(stop.reason, first, 'the first reason is kept');
      assert.equal(stoppedExitCode(stop.reason), { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 }[first]);
      release();
      assert.equal(
        target.listenerCount('SIGINT') + target.listenerCount('SIGTERM') + target.listenerCount('SIGHUP'),
        0,
      );
    });
});
