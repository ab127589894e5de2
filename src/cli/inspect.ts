/**
 * `gail-bridge inspect FILE [--json] [--repair OUT]`: what a file holds. A policy file: its spec,
 * architecture, how it was trained and its stored evaluation. A reward file (train --algo airl|gail):
 * its kind, spec, networks, γ and how it was learned. A gail-bridge demo file: its spec,
 * episodes, steps, end reasons and returns. Any other MCAP file or rosbag2 folder: topics, types,
 * message counts and time range. `--repair OUT` rewrites a damaged demo file (hard kill, truncation,
 * damaged chunks anywhere) with every intact episode, the ones damage cut marked interrupted, and says
 * which were lost.
 *
 * One rule for damage: a damaged file of any kind exits 2 (bad input) saying what was damaged; for any
 * MCAP file the summary of what could be read is printed first.
 */
import { open, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { type SuspectedFailure, suspectedFailures } from '../core/demo-selection.js';
import { GailBridgeError } from '../core/errors.js';
import type { Spec } from '../core/spec.js';
import { EPISODE_END_NAMES, type EpisodeEnd, trajectoryReturn } from '../core/trajectory.js';
import { bagFiles } from '../data/bag-import.js';
import { DEMO_METADATA_NAME } from '../data/demo-format.js';
import { readDemoFile, repairDemoFile } from '../data/demo-reader.js';
import { summarizeMcap } from '../data/mcap-summary.js';
import {
  type GaussianMlpArchitecture,
  POLICY_FILE_MAGIC,
  readPolicyFile,
  type TrainingMeta,
} from '../data/policy-file.js';
import { REWARD_FILE_MAGIC, type RewardArchitecture, readRewardFile } from '../data/reward-file.js';
import { info, report, runCommand } from './common.js';

/** `inspect` on a demo file. */
export interface DemoInspection {
  readonly kind: 'demo';
  readonly file: string;
  readonly spec: Spec;
  readonly episodes: number;
  readonly steps: number;
  readonly ends: Readonly<Record<EpisodeEnd, number>>;
  /** Per episode: steps, end, return (when rewards were recorded), metadata. */
  readonly perEpisode: readonly {
    index: number;
    steps: number;
    end: EpisodeEnd;
    return?: number;
    metadata: Readonly<Record<string, string>>;
  }[];
  readonly skipped: Readonly<Record<string, number>>;
  /** Episodes that look like failures of the demonstrator (core/demo-selection.ts), and why. */
  readonly suspectedFailures: readonly SuspectedFailure[];
}

/** `inspect` on any other MCAP file or bag folder. */
export interface McapInspection {
  readonly kind: 'mcap';
  readonly files: readonly string[];
  readonly profile: string;
  readonly library: string;
  readonly topics: readonly { topic: string; type: string; messageEncoding: string; messages: number }[];
  readonly messages: number;
  /** Log-time range, seconds since the epoch; null without messages. */
  readonly startS: number | null;
  readonly endS: number | null;
  readonly durationS: number;
  readonly chunks: Readonly<Record<string, number>>;
  /** Set when the file is damaged (the summary covers what precedes the damage). */
  readonly problem?: string;
}

/** `inspect` on a policy file. */
export interface PolicyInspection {
  readonly kind: 'policy';
  readonly file: string;
  readonly spec: Spec;
  readonly architecture: GaussianMlpArchitecture;
  readonly parameters: number;
  readonly training: TrainingMeta;
  /** Observations the normaliser statistics came from. */
  readonly normalizerCount: number;
  /** Whether optimiser state is stored (training can resume from the file). */
  readonly resumable: boolean;
}

/** `inspect` on a reward file. */
export interface RewardInspection {
  readonly kind: 'reward';
  readonly file: string;
  readonly spec: Spec;
  readonly architecture: RewardArchitecture;
  readonly parameters: number;
  readonly gamma: number;
  readonly training: TrainingMeta;
}

/** `inspect --repair`. */
export interface RepairReport {
  readonly kind: 'repair';
  readonly input: string;
  readonly output: string;
  readonly episodes: number;
  readonly steps: number;
  /** Episodes damage or truncation cut, and the steps kept of each (marked interrupted). */
  readonly cuts: readonly { index: number; stepsKept: number }[];
  /** Numbers (in the input) of the episodes lost whole. */
  readonly lostEpisodes: readonly number[];
  readonly lost: readonly string[];
}

/** True when `file` starts with `magic` (8 ASCII bytes: a policy or reward file). */
async function startsWith(file: string, magic: string): Promise<boolean> {
  if (!(await stat(file).catch(() => undefined))?.isFile()) return false;
  const fh = await open(file, 'r').catch(() => undefined);
  if (!fh) return false;
  try {
    const head = new Uint8Array(magic.length);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return bytesRead === head.length && new TextDecoder().decode(head) === magic;
  } finally {
    await fh.close();
  }
}

/** Inspects `file` (a policy file, a reward file, a demo file, any MCAP file, or a rosbag2 folder). */
export async function inspect(
  file: string,
): Promise<DemoInspection | McapInspection | PolicyInspection | RewardInspection> {
  if (await startsWith(file, REWARD_FILE_MAGIC)) {
    const record = await readRewardFile(file);
    return {
      kind: 'reward',
      file,
      spec: record.spec,
      architecture: record.architecture,
      parameters: record.tensors.reduce((n, t) => n + t.data.length, 0),
      gamma: record.gamma,
      training: record.training,
    };
  }
  if (await startsWith(file, POLICY_FILE_MAGIC)) {
    const record = await readPolicyFile(file);
    return {
      kind: 'policy',
      file,
      spec: record.spec,
      architecture: record.architecture,
      parameters: record.tensors.reduce((n, t) => n + t.data.length, 0),
      training: record.training,
      normalizerCount: record.obsNorm.count,
      resumable: (record.optimizer?.length ?? 0) > 0,
    };
  }
  const files = (await stat(file).catch(() => undefined))?.isDirectory() ? await bagFiles(file) : [file];
  const summary = await summarizeMcap(files);
  if (files.length === 1 && summary.metadata.includes(DEMO_METADATA_NAME)) {
    const demo = await readDemoFile(file);
    const ends = Object.fromEntries(EPISODE_END_NAMES.map((e) => [e, 0])) as Record<EpisodeEnd, number>;
    let steps = 0;
    const perEpisode = demo.episodes.map((ep) => {
      const t = ep.trajectory;
      ends[t.end]++;
      steps += t.length;
      const ret = trajectoryReturn(t);
      return {
        index: ep.index,
        steps: t.length,
        end: t.end,
        ...(ret !== undefined ? { return: ret } : {}),
        metadata: ep.metadata,
      };
    });
    return {
      kind: 'demo',
      file,
      spec: demo.spec,
      episodes: demo.episodes.length,
      steps,
      ends,
      perEpisode,
      skipped: Object.fromEntries(demo.report.skipped),
      suspectedFailures: suspectedFailures(
        demo.episodes.map((e) => ({ index: e.index, trajectory: e.trajectory })),
      ),
    };
  }
  const toS = (ns: bigint | undefined): number | null => (ns === undefined ? null : Number(ns) / 1e9);
  const startS = toS(summary.startNs);
  const endS = toS(summary.endNs);
  return {
    kind: 'mcap',
    files,
    profile: summary.profile,
    library: summary.library,
    topics: summary.topics.map(({ topic, type, messageEncoding, messages }) => ({
      topic,
      type,
      messageEncoding,
      messages,
    })),
    messages: summary.messages,
    startS,
    endS,
    durationS: startS === null || endS === null ? 0 : endS - startS,
    chunks: summary.chunks,
    ...(summary.problem ? { problem: summary.problem } : {}),
  };
}

/** "task hopper", "model /x/robot.xml (task config /x/task.yaml)", "robot config robots/arm.yaml". */
function describeSource(source: Spec['source']): string {
  switch (source.kind) {
    case 'task':
      return `task ${source.task}`;
    case 'mjcf':
      return `model ${source.path}${source.taskConfig === undefined ? '' : ` (task config ${source.taskConfig})`}`;
    case 'robot':
      return `robot config ${source.config}`;
  }
}

function describePolicy(r: PolicyInspection): string {
  const a = r.architecture;
  const t = r.training;
  return [
    `${r.file}: policy, ${a.kind} obs ${a.obsDim} → act ${a.actDim}, hidden [${a.hidden.join(', ')}] ${a.activation}` +
      `${a.output === 'tanh' ? ', tanh output in the action bounds' : ''}` +
      `${a.valueHidden ? `, value net [${a.valueHidden.join(', ')}]` : ''}, ${r.parameters} parameters`,
    `  trained on ${describeSource(r.spec.source)}: ${t.algo}, ${t.envSteps} env steps, seed ${t.seed}, ${t.date}` +
      (t.evalReturn === undefined ? '' : `; evaluated return ${t.evalReturn.toFixed(2)}`),
    ...Object.entries(t.extra ?? {}).map(([k, v]) => `  ${k}: ${v}`),
    `  observation normaliser from ${r.normalizerCount} observations; ` +
      (r.resumable ? 'optimiser state stored (--resume works)' : 'no optimiser state'),
    `  observation: ${r.spec.observation.names.join(', ')}`,
    `  action: ${r.spec.action.names.join(', ')}`,
  ].join('\n');
}

function describeReward(r: RewardInspection): string {
  const a = r.architecture;
  const t = r.training;
  const what =
    a.kind === 'airl-state-only'
      ? `AIRL g(s) and h(s), obs ${a.obsDim}`
      : `GAIL D(s, a), obs ${a.obsDim} + act ${a.actDim}, reward ${a.reward}`;
  return [
    `${r.file}: reward (${a.kind}), ${what}, hidden [${a.hidden.join(', ')}] ${a.activation}` +
      `${a.absorbing ? ', absorbing states' : ''}, γ ${r.gamma}, ${r.parameters} parameters`,
    `  learned on ${describeSource(r.spec.source)}: ${t.algo}, ${t.envSteps} env steps, seed ${t.seed}, ${t.date}`,
    ...Object.entries(t.extra ?? {}).map(([k, v]) => `  ${k}: ${v}`),
    `  observation: ${r.spec.observation.names.join(', ')}`,
    `  optimise it with: gail-bridge expert --task T --reward ${r.file}`,
  ].join('\n');
}

function describeDemo(r: DemoInspection): string {
  const s = r.spec;
  const lines = [
    `${r.file}: gail-bridge demonstrations (${s.producer})`,
    `  spec: ${s.observation.names.length} observations, ${s.action.names.length} actions at ${s.controlRateHz} Hz, source ${s.source.kind}`,
    `    observation: ${s.observation.names.map((n, i) => `${n} [${s.observation.units[i]}]`).join(', ')}`,
    `    action: ${s.action.names.map((n, i) => `${n} [${s.action.units[i]}]`).join(', ')}`,
    `  ${r.episodes} episodes, ${r.steps} steps; ends: ${Object.entries(r.ends)
      .filter(([, n]) => n > 0)
      .map(([e, n]) => `${n} ${e}`)
      .join(', ')}`,
  ];
  const returns = r.perEpisode.flatMap((e) => (e.return === undefined ? [] : [e.return]));
  if (returns.length > 0) {
    const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
    lines.push(
      `  return: mean ${mean.toFixed(2)}, min ${Math.min(...returns).toFixed(2)}, max ${Math.max(...returns).toFixed(2)}`,
    );
  }
  for (const e of r.perEpisode.slice(0, 20)) {
    lines.push(
      `    episode ${e.index}: ${e.steps} steps, ${e.end}${e.return !== undefined ? `, return ${e.return.toFixed(2)}` : ''}`,
    );
  }
  if (r.perEpisode.length > 20) lines.push(`    ... ${r.perEpisode.length - 20} more (--json lists all)`);
  for (const [what, n] of Object.entries(r.skipped)) lines.push(`  skipped: ${n} ${what}`);
  for (const f of r.suspectedFailures)
    lines.push(
      `  episode ${f.index} looks like a failure of the demonstrator: ${f.why}; \`train --exclude-failures\` leaves it out`,
    );
  return lines.join('\n');
}

function describeMcap(r: McapInspection): string {
  const lines = [
    `${r.files.join(', ')}: MCAP (profile "${r.profile}", written by ${r.library || 'unknown'})`,
    `  ${r.messages} messages, ${r.durationS.toFixed(3)} s` +
      (r.startS !== null ? ` from ${new Date(r.startS * 1000).toISOString()}` : ''),
    `  chunks: ${
      Object.entries(r.chunks)
        .map(([c, n]) => `${n} ${c || 'uncompressed'}`)
        .join(', ') || 'none'
    }`,
    ...r.topics.map((t) => `  ${t.topic}  ${t.type} (${t.messageEncoding})  ${t.messages} messages`),
  ];
  if (r.problem) lines.push(`  damaged: ${r.problem}`);
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('inspect')
    .description(
      'show what a policy file, reward file, demo file, MCAP file or rosbag2 folder holds; --repair rewrites a damaged demo file',
    )
    .argument('<file>', 'policy file, reward file, demo file (.mcap), any MCAP file, or a rosbag2 bag folder')
    .option('--repair <out>', 'write the recoverable episodes of a damaged demo file to <out>')
    .option('--json', 'print the result as one JSON object on stdout', false)
    .action((file: string, o: { repair?: string; json: boolean }) =>
      runCommand(async () => {
        if (o.repair !== undefined) {
          const r = await repairDemoFile(file, o.repair);
          const result: RepairReport = {
            kind: 'repair',
            input: file,
            output: o.repair,
            episodes: r.episodes,
            steps: r.steps,
            cuts: r.cuts,
            lostEpisodes: r.lostEpisodes,
            lost: r.lost,
          };
          for (const l of r.lost) info(`lost: ${l}`);
          report(o.json, result, () =>
            [
              `${o.repair}: ${r.episodes} episodes, ${r.steps} steps recovered from ${file}`,
              ...r.cuts.map(
                (c) => `  episode ${c.index} was cut: ${c.stepsKept} steps kept, marked interrupted`,
              ),
              r.lostEpisodes.length === 0
                ? ''
                : `  ${r.lostEpisodes.length} episode(s) lost whole: ${r.lostEpisodes.join(', ')}`,
              r.lost.length === 0 ? '  nothing was lost' : `  lost: ${r.lost.length} item(s), listed above`,
            ]
              .filter(Boolean)
              .join('\n'),
          );
          return;
        }
        const r = await inspect(file);
        report(o.json, r, () =>
          r.kind === 'policy'
            ? describePolicy(r)
            : r.kind === 'reward'
              ? describeReward(r)
              : r.kind === 'demo'
                ? describeDemo(r)
                : describeMcap(r),
        );
        if (r.kind === 'mcap' && r.problem !== undefined)
          throw new GailBridgeError(
            'file',
            `${r.files.join(', ')} is damaged: ${r.problem} (the summary above covers what precedes the damage)`,
          );
      }),
    );
}
