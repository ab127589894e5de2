/**
 * `gail-bridge import BAG --config config/robots/NAME.yaml --out demos.mcap`: a rosbag2 bag (MCAP storage;
 * one file or a folder with metadata.yaml) → a demo file, through the robot mapping config the ROS 2 bridge
 * uses. Resampling, episode splits and reports: src/data/bag-import.ts. SIGINT/SIGTERM finish the file.
 */
import type { Command } from 'commander';
import { loadRobotConfig, robotSpec } from '../config/robot.js';
import { GailBridgeError } from '../core/errors.js';
import { type BagImportResult, importBag, type TopicReport } from '../data/bag-import.js';
import { DemoWriter } from '../data/demo-writer.js';
import { info, report, runCommand } from './common.js';
import { finishOnSignal } from './finish-on-signal.js';

/** What `import` reports. */
export interface ImportReport {
  readonly bag: string;
  readonly files: readonly string[];
  readonly out: string;
  readonly episodes: number;
  readonly steps: number;
  readonly droppedEpisodes: number;
  readonly topics: readonly TopicReport[];
  readonly unusedTopics: Readonly<Record<string, number>>;
}

function positiveSeconds(v: string): number {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n))
    throw new GailBridgeError('usage', `--split-gap: expected seconds > 0, got "${v}"`);
  return n;
}

/** Imports `bag` into the demo file `out`. */
export async function runImport(
  bag: string,
  options: { config: string; out: string; episodeTopic?: string; splitGapS?: number; minSteps?: number },
): Promise<ImportReport> {
  const config = loadRobotConfig(options.config);
  const result: BagImportResult = await importBag(bag, config, {
    configPath: options.config,
    episodeTopic: options.episodeTopic,
    splitGapS: options.splitGapS,
    minSteps: options.minSteps,
  });
  const writer = await DemoWriter.create(options.out, { spec: robotSpec(config, options.config) });
  const release = finishOnSignal(() => writer.close(), { log: info });
  let steps = 0;
  try {
    for (const { trajectory, metadata } of result.trajectories) {
      await writer.writeTrajectory(trajectory, metadata);
      steps += trajectory.length;
    }
  } finally {
    await writer.close();
    release();
  }
  return {
    bag,
    files: result.files,
    out: options.out,
    episodes: result.trajectories.length,
    steps,
    droppedEpisodes: result.droppedEpisodes,
    topics: result.topics,
    unusedTopics: result.unusedTopics,
  };
}

export function register(program: Command): void {
  program
    .command('import')
    .description('convert a rosbag2 bag (MCAP storage, CDR) into a demo file through a robot mapping config')
    .argument('<bag>', 'a .mcap bag file, or a bag folder with metadata.yaml')
    .requiredOption('--config <file>', 'robot mapping config (config/robots/NAME.yaml)')
    .requiredOption('--out <file>', 'demo file to write (.mcap)')
    .option('--episode-topic <topic>', 'start a new episode at each message on this topic')
    .option(
      '--split-gap <seconds>',
      "end the episode (truncated) after a silence this long on any mapped topic; a silence past the config's observation timeout always cuts it (interrupted)",
      positiveSeconds,
    )
    .option('--min-steps <n>', 'drop episodes shorter than this', (v) => Number.parseInt(v, 10), 1)
    .option('--json', 'print the result as one JSON object on stdout', false)
    .action(
      (
        bag: string,
        o: {
          config: string;
          out: string;
          episodeTopic?: string;
          splitGap?: number;
          minSteps: number;
          json: boolean;
        },
      ) =>
        runCommand(async () => {
          const r = await runImport(bag, {
            config: o.config,
            out: o.out,
            episodeTopic: o.episodeTopic,
            splitGapS: o.splitGap,
            minSteps: o.minSteps,
          });
          report(o.json, r, () =>
            [
              `${r.out}: ${r.episodes} episodes, ${r.steps} steps from ${r.files.length} bag file(s)` +
                (r.droppedEpisodes > 0 ? ` (${r.droppedEpisodes} short episodes dropped)` : ''),
              ...r.topics.map(
                (t) =>
                  `  ${t.topic} (${t.type}): ${t.messages} messages, longest gap ${t.maxGapS.toFixed(3)} s` +
                  (t.heldTicks > 0 ? `, held at ${t.heldTicks} ticks` : '') +
                  (t.silentTicks > 0
                    ? `, silent past the observation timeout at ${t.silentTicks} ticks (no steps there; ${t.cuts} episode(s) cut, ended interrupted)`
                    : '') +
                  (t.late > 0 ? `, ${t.late} late` : ''),
              ),
              ...Object.entries(r.unusedTopics).map(
                ([t, n]) => `  ${t}: ${n} messages not used by the config`,
              ),
            ].join('\n'),
          );
        }),
    );
}
