/**
 * The `train` flags that choose demonstrations besides `--trajectories` (shared by every --algo; the
 * rule and the selection itself are core/demo-selection.ts): `--episodes 0,2,5`, `--exclude-failures`,
 * `--min-return R`, parsed once into a typed record.
 */
import type { Command } from 'commander';
import { FAILURE_FRACTION } from '../core/demo-selection.js';
import { GailBridgeError } from '../core/errors.js';

/** The parsed flags. */
export interface DemoSelectionFlags {
  readonly episodes: readonly number[] | undefined;
  readonly excludeFailures: boolean;
  readonly minReturn: number | undefined;
}

/** "0,2,5" → [0, 2, 5]; an error names the flag and what it accepts. */
export function parseEpisodeList(v: string): number[] {
  const list = v.split(',').map((s) => s.trim());
  const out = list.map(Number);
  if (list.some((s) => s === '') || out.some((i) => !Number.isInteger(i) || i < 0))
    throw new GailBridgeError(
      'config',
      `--episodes: expected comma-separated episode indices ≥ 0 (as \`inspect\` lists them), got "${v}"`,
    );
  return out;
}

function finiteNumber(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n))
    throw new GailBridgeError('config', `--min-return: expected a number, got "${v}"`);
  return n;
}

/** Adds the three flags to `train`. */
export function addDemoSelectionOptions(cmd: Command): Command {
  return cmd
    .option(
      '--episodes <list>',
      'choose from these demo episodes only, by index as `inspect` lists them (e.g. 0,2,5); --trajectories then takes the first N of them',
      parseEpisodeList,
    )
    .option(
      '--exclude-failures',
      `leave out demonstrations that look like failures of the demonstrator: terminated with a return ${Math.round(FAILURE_FRACTION * 100)}% or more below the median of the file's episodes`,
      false,
    )
    .option('--min-return <R>', 'leave out demonstrations whose recorded return is below R', finiteNumber);
}

/** The typed flags from commander's options record. */
export function demoSelectionFlags(o: Readonly<Record<string, unknown>>): DemoSelectionFlags {
  return {
    episodes: o['episodes'] as number[] | undefined,
    excludeFailures: o['excludeFailures'] === true,
    minReturn: o['minReturn'] as number | undefined,
  };
}
