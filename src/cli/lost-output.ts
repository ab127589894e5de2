/**
 * Output that goes away is a hangup. When the reader of stdout or stderr is gone (the terminal closed, the
 * `ros2 launch` that held the pipe killed, `| head` done), the next write fails (EPIPE on a pipe, EIO on a
 * closed terminal) and Node reports it as an 'error' event on the stream. Unhandled, that event killed
 * deploy mid-cycle on the real ROS 2 graph: no safe command went out and the corrections file was left
 * without its footer (a launch SIGTERMed while deploy ran under it). Here the first such error raises
 * SIGHUP in the process, which every long-running command handles as it handles SIGTERM (record and import
 * finish the file, train and expert stop after the round, deploy publishes the safe command); later write
 * errors on the dead stream are dropped. A command with no SIGHUP handler carries on without its output
 * and ends as it would have.
 */
import type { EventEmitter } from 'node:events';

/** Where the lost output is reported: `process` in the CLI (tests pass their own emitter). */
type SignalTarget = Pick<EventEmitter, 'emit'>;

/** Turns the first write error of any of `streams` into a SIGHUP on `target`; later ones are dropped. */
export function hangUpOnLostOutput(
  streams: readonly Pick<EventEmitter, 'on'>[] = [process.stdout, process.stderr],
  target: SignalTarget = process,
): void {
  let hungUp = false;
  for (const stream of streams) {
    // Any write error on stdout/stderr means the output is gone; crashing on it never helps the user.
    stream.on('error', () => {
      if (hungUp) return;
      hungUp = true;
      target.emit('SIGHUP', 'SIGHUP');
    });
  }
}
