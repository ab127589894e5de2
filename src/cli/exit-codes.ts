/**
 * The exit codes of every command, in one table (docs/exit-codes.md says the same): what a script or a
 * ROS 2 launch file can rely on. `--help` of each command lists the ones that command uses.
 */
import { GailBridgeError } from '../core/errors.js';

/** Exit codes by meaning. */
export const EXIT = {
  /** The command did what it was asked (deploy and sim --ros: also after a clean stop on SIGINT/SIGTERM). */
  ok: 0,
  /** The command line is wrong: an unknown, missing, malformed or conflicting option. Fix the command. */
  usage: 1,
  /** An input is wrong: a file or config is missing, unreadable, malformed, damaged or does not match. */
  input: 2,
  /** deploy stopped on a fault of the safety envelope (e.g. non-finite observations in a row). */
  fault: 3,
  /** A bug in gail-bridge: an error it did not expect (the stack trace is printed; please report it). */
  internal: 70,
  /** Stopped by SIGINT (Ctrl-C) after finishing its files: 128 + 2. */
  sigint: 130,
  /** Stopped by SIGTERM after finishing its files: 128 + 15. */
  sigterm: 143,
  /** Stopped by SIGHUP (the terminal closed) or by its output going away, after finishing its files: 128 + 1. */
  sighup: 129,
} as const;

/** The exit code of an error that ended a command: usage 1, other gail-bridge errors 2, anything else 70. */
export function exitCodeFor(err: unknown): number {
  if (!(err instanceof GailBridgeError)) return EXIT.internal;
  return err.code === 'usage' ? EXIT.usage : EXIT.input;
}

/** How a command ends on SIGINT/SIGTERM, for its --help. */
type SignalRule = 'finish-file' | 'clean-stop' | 'training' | 'none';

/** Each command's signal rule (a command not listed has none). */
const SIGNAL_RULES: Readonly<Record<string, SignalRule>> = {
  record: 'finish-file',
  import: 'finish-file',
  deploy: 'clean-stop',
  sim: 'clean-stop',
  train: 'training',
  expert: 'training',
};

/** The "Exit codes:" block of `command`'s --help (the whole table for the top-level help). */
export function exitCodesHelp(command?: string): string {
  const rule: SignalRule | 'all' = command === undefined ? 'all' : (SIGNAL_RULES[command] ?? 'none');
  const rows: [number, string][] = [
    [
      EXIT.ok,
      rule === 'clean-stop'
        ? `success, also after SIGINT, SIGTERM or SIGHUP stopped it cleanly (the ROS 2 node convention${command === 'sim' ? '; sim --ros' : ''})`
        : rule === 'all'
          ? 'success (deploy and sim --ros: also after a clean stop on SIGINT or SIGTERM)'
          : 'success',
    ],
    [EXIT.usage, 'usage error: an unknown, missing, malformed or conflicting option'],
    [EXIT.input, 'bad input: a file or config is missing, a directory, malformed, damaged or mismatched'],
  ];
  if (rule === 'clean-stop' && command === 'deploy')
    rows.push([EXIT.fault, 'stopped by a fault of the safety envelope']);
  if (rule === 'all') rows.push([EXIT.fault, 'deploy: stopped by a fault of the safety envelope']);
  rows.push([EXIT.internal, 'internal error (a bug: please report it with the stack trace printed)']);
  if (rule === 'finish-file' || rule === 'training' || rule === 'all') {
    const what =
      rule === 'training'
        ? 'after the checkpoint and report are written'
        : rule === 'finish-file'
          ? 'after the file is finished'
          : 'record, import, train, expert: after their files are finished';
    rows.push([EXIT.sigint, `stopped by SIGINT (Ctrl-C), ${what}`]);
    rows.push([EXIT.sigterm, `stopped by SIGTERM, ${what}`]);
    rows.push([EXIT.sighup, `stopped by SIGHUP or lost output (terminal closed, launcher gone), ${what}`]);
  }
  return `\nExit codes:\n${rows.map(([c, m]) => `  ${String(c).padStart(3)}  ${m}`).join('\n')}\n`;
}
