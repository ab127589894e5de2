#!/usr/bin/env node
/**
 * `gail-bridge`: one subcommand per file in this folder, each exporting `register(program)`.
 * Add a command by writing its file and listing it in COMMANDS.
 */
import { Command, CommanderError } from 'commander';
import { GailBridgeError } from '../core/errors.js';
import { VERSION } from '../version.js';
import { EXIT, exitCodeFor, exitCodesHelp } from './exit-codes.js';
import { hangUpOnLostOutput } from './lost-output.js';

type Register = (program: Command) => void;

/** Lazily imported so that `gail-bridge tasks` does not load TensorFlow.js, and so on. */
const COMMANDS: ReadonlyArray<() => Promise<{ register: Register }>> = [
  () => import('./expert.js'),
  () => import('./eval.js'),
  () => import('./demos.js'),
  () => import('./train.js'),
  () => import('./inspect.js'),
  () => import('./import.js'),
  () => import('./export.js'),
  () => import('./deploy.js'),
  () => import('./record.js'),
  () => import('./tasks.js'),
  () => import('./sim.js'),
  () => import('./view.js'),
];

export async function main(argv: string[]): Promise<void> {
  const program = new Command('gail-bridge')
    .description('GAIL for real and simulated robots over ROS 2: record, train, deploy.')
    .version(VERSION)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const load of COMMANDS) (await load()).register(program);
  program.addHelpText('after', exitCodesHelp());
  // Commander's own usage errors (unknown option, missing value) exit 1, as EXIT.usage says.
  for (const command of program.commands) command.addHelpText('after', exitCodesHelp(command.name()));
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof GailBridgeError) {
      process.stderr.write(`gail-bridge: ${err.message}\n`);
      process.exitCode = exitCodeFor(err);
      return;
    }
    // Not an error gail-bridge expects: a bug. Say so, with the trace, under its own exit code.
    process.stderr.write(
      `gail-bridge: internal error (a bug; please report it with this trace):\n${(err as Error)?.stack ?? String(err)}\n`,
    );
    process.exitCode = EXIT.internal;
  }
}

hangUpOnLostOutput();
await main(process.argv);
