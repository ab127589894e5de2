#!/usr/bin/env node
/**
 * `gail-bridge`: one subcommand per file in this folder, each exporting `register(program)`.
 * Add a command by writing its file and listing it in COMMANDS.
 */
import { Command, CommanderError } from 'commander';
import { GailBridgeError } from '../core/errors.js';
import { VERSION } from '../version.js';

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
];

export async function main(argv: string[]): Promise<void> {
  const program = new Command('gail-bridge')
    .description('GAIL for real and simulated robots over ROS 2: record, train, deploy.')
    .version(VERSION)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const load of COMMANDS) (await load()).register(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof GailBridgeError) {
      process.stderr.write(`gail-bridge: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
}

await main(process.argv);
