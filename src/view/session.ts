/**
 * What `gail-bridge view` opened, as the page receives it: the model to draw (MJCF text and assets, and
 * the env target a policy runs on), a demo file's episodes, a policy's weights, and run folders with
 * their config, metadata, final evaluation and metrics rows. Read here with the project's own readers
 * (demo-reader, policy-file, run/folder), so the page sees exactly what the other commands see.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import {
  describeEnvTarget,
  type EnvTarget,
  envTargetFromFlags,
  envTargetFromSource,
  envTargetOfSettings,
} from '../config/task.js';
import { GailBridgeError } from '../core/errors.js';
import type { Spec } from '../core/spec.js';
import { type DemoEpisode, readDemoFile } from '../data/demo-reader.js';
import { type PolicyRecord, readPolicyFile } from '../data/policy-file.js';
import { type FinalEvaluation, readFinalEvaluation } from '../run/evaluation.js';
import { RUN_FILES, type RunConfig, readMetricsRows, readRunConfig, runPath } from '../run/folder.js';
import { type RunMetadata, runMetadata } from '../run/report.js';
import { modelFiles } from '../sim/model.js';
import { getTask, taskXmlPath } from '../sim/tasks/index.js';

/** What the command line gave. */
export interface ViewInputs {
  /** Run folders (or folders of run folders), at most one demo file (.mcap), at most one policy file. */
  readonly paths: readonly string[];
  readonly task?: string | undefined;
  readonly model?: string | undefined;
  readonly taskConfig?: string | undefined;
}

/** The MJCF to compile in the browser: the main file's text and every file it references. */
export interface ModelPayload {
  /** For people: "hopper" or "model robot.xml". */
  readonly name: string;
  /** The env a policy runs on in the page. */
  readonly target: EnvTarget;
  /** Where the main file sits among `files` (paths relative to their common folder, "/"-separated). */
  readonly mainPath: string;
  /** Base64 contents by relative path, the main file included. */
  readonly files: Readonly<Record<string, string>>;
}

/** One episode of the demo file, as listed. */
export interface EpisodeSummary {
  readonly index: number;
  readonly steps: number;
  readonly end: string;
  /** Sum of the recorded rewards; null when the file has none (a robot recording). */
  readonly return: number | null;
  readonly startedAt: string;
}

export interface DemoPayload {
  readonly path: string;
  readonly obsNames: readonly string[];
  readonly actNames: readonly string[];
  /** Seconds between observations (1 / control rate). */
  readonly dt: number;
  readonly episodes: readonly EpisodeSummary[];
}

/** A policy's mean network and σ, for the page's own forward pass (data/policy-mean.ts). */
export interface PolicyPayload {
  readonly path: string;
  readonly architecture: PolicyRecord['architecture'];
  readonly obsNorm: { mean: number[]; var: number[]; count: number; epsilon: number; clip: number };
  /** The policy tensors (policy/mean/k/{w,b}, policy/logStd), data as base64 float32 LE. */
  readonly tensors: readonly { name: string; shape: readonly number[]; data: string }[];
  readonly obsNames: readonly string[];
  readonly training: { algo: string; envSteps: number; date: string };
}

/** One run folder. */
export interface RunEntry {
  readonly id: string;
  /** The folder as given or found (relative to the working directory when inside it). */
  readonly dir: string;
  /** A short name: the folder relative to the folder holding every run opened ("s1", "hopper/s2"). */
  readonly name: string;
  /** Runs with the same group differ only in their seed: the page draws their mean ± spread. */
  readonly group: string;
  readonly config: RunConfig;
  readonly meta: RunMetadata;
  readonly evaluation: FinalEvaluation | null;
  readonly hasPolicy: boolean;
}

export interface ViewSession {
  readonly title: string;
  readonly model: ModelPayload | null;
  /** Why there is no model, for the page. */
  readonly modelNote: string;
  readonly demo: DemoPayload | null;
  readonly policy: PolicyPayload | null;
  readonly runs: readonly RunEntry[];
}

/** Everything the server holds for one view: the session and the data it serves on demand. */
export interface OpenedView {
  readonly session: ViewSession;
  readonly episodes: readonly DemoEpisode[];
  /** Absolute run folders by run id. */
  readonly runDirs: ReadonlyMap<string, string>;
  /** The policy file of each run that has one, by run id (played in the page on request). */
  readonly runPolicies: ReadonlyMap<string, string>;
}

const b64 = (a: Float32Array | Uint8Array): string =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/** The run folders under `dir`: itself when it holds config.json, else its subfolders that do (sorted). */
export function findRunFolders(dir: string): string[] {
  if (existsSync(runPath(dir, 'config'))) return [dir];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, RUN_FILES.config)))
    .map((e) => join(dir, e.name))
    .sort();
}

/** The settings of a run without its seed: runs that share it are seeds of one experiment. */
export function runGroup(config: RunConfig): string {
  const { seed: _seed, ...rest } = config.settings as Record<string, unknown>;
  return JSON.stringify([config.command, config.algo, rest]);
}

/** The policy payload of a policy file. */
export function policyPayload(path: string, record: PolicyRecord): PolicyPayload {
  return {
    path,
    architecture: record.architecture,
    obsNorm: {
      mean: [...record.obsNorm.mean],
      var: [...record.obsNorm.var],
      count: record.obsNorm.count,
      epsilon: record.obsNorm.epsilon,
      clip: record.obsNorm.clip,
    },
    tensors: record.tensors
      .filter((t) => t.name.startsWith('policy/'))
      .map((t) => ({ name: t.name, shape: t.shape, data: b64(t.data) })),
    obsNames: record.spec.observation.names,
    training: { algo: record.training.algo, envSteps: record.training.envSteps, date: record.training.date },
  };
}

/** The model payload of an env target: its MJCF and assets, relative to their common folder. */
export function modelPayload(target: EnvTarget): ModelPayload {
  const path = target.kind === 'task' ? taskXmlPath(getTask(target.task)) : target.model;
  const { main, files } = modelFiles(path);
  const all = [...files.keys()];
  let root = dirname(main);
  while (!all.every((f) => f.startsWith(root + sep)) && dirname(root) !== root) root = dirname(root);
  const rel = (f: string) => relative(root, f).split(sep).join('/');
  return {
    name: describeEnvTarget(target),
    target,
    mainPath: rel(main),
    files: Object.fromEntries([...files].map(([f, bytes]) => [rel(f), b64(bytes)])),
  };
}

function isDemoFile(path: string): boolean {
  return /\.mcap$/i.test(path);
}

function isPolicyFile(path: string): boolean {
  return /\.policy$/i.test(path);
}

/** Reads what `inputs` name; see the file comment. Errors name the path and what to give instead. */
export async function openView(inputs: ViewInputs): Promise<OpenedView> {
  let demoPath: string | undefined;
  let policyPath: string | undefined;
  const runDirs: string[] = [];
  for (const p of inputs.paths) {
    if (!existsSync(p))
      throw new GailBridgeError(
        'file',
        `view ${p}: no such file or folder; give a run folder, a demo file or a policy file`,
      );
    if (statSync(p).isDirectory()) {
      const found = findRunFolders(p);
      if (found.length === 0)
        throw new GailBridgeError(
          'file',
          `view ${p}: not a run folder (no ${RUN_FILES.config}) and no run folders in it; give a folder made by train or expert`,
        );
      runDirs.push(...found);
    } else if (isDemoFile(p)) {
      if (demoPath !== undefined)
        throw new GailBridgeError('usage', `view: one demo file at a time (${demoPath} and ${p})`);
      demoPath = p;
    } else if (isPolicyFile(p)) {
      if (policyPath !== undefined)
        throw new GailBridgeError('usage', `view: one policy file at a time (${policyPath} and ${p})`);
      policyPath = p;
    } else
      throw new GailBridgeError(
        'usage',
        `view ${p}: expected a run folder, a demo file (.mcap) or a policy file (.policy)`,
      );
  }

  // Runs: config, metadata, evaluation; ids by position.
  const runs: RunEntry[] = [];
  const runDirMap = new Map<string, string>();
  const runPolicies = new Map<string, string>();
  const absolute = runDirs.map((d) => resolve(d));
  let common = absolute.length === 1 ? dirname(absolute[0]!) : (absolute[0] ?? '');
  while (!absolute.every((d) => d.startsWith(common + sep)) && dirname(common) !== common)
    common = dirname(common);
  runDirs.forEach((dir, i) => {
    const id = `r${i}`;
    const config = readRunConfig(dir);
    const hasPolicy = existsSync(runPath(dir, 'policy'));
    runs.push({
      id,
      dir: relative(process.cwd(), resolve(dir)) || '.',
      name: relative(common, resolve(dir)).split(sep).join('/') || basename(resolve(dir)),
      group: runGroup(config),
      config,
      meta: runMetadata(config),
      evaluation: readFinalEvaluation(dir) ?? null,
      hasPolicy,
    });
    runDirMap.set(id, resolve(dir));
    if (hasPolicy) runPolicies.set(id, runPath(dir, 'policy'));
  });

  const demo = demoPath === undefined ? undefined : await readDemoFile(demoPath);
  const policyRecord = policyPath === undefined ? undefined : await readPolicyFile(policyPath);

  // The model: the flags, else what the policy, the demo file or the first run was made on.
  let target: EnvTarget | undefined;
  let modelNote = '';
  try {
    target =
      envTargetFromFlags({ task: inputs.task, model: inputs.model, taskConfig: inputs.taskConfig }, 'view') ??
      (policyRecord ? envTargetFromSource(policyRecord.spec.source, policyPath!) : undefined) ??
      (demo ? envTargetFromSource(demo.spec.source, demoPath!, 'demo file') : undefined) ??
      (runs[0] ? envTargetOfSettings(runs[0].config.settings) : undefined);
  } catch (err) {
    // A robot recording names no simulation: the page still shows the curves and the episode list.
    if (!(err instanceof GailBridgeError) || err.code !== 'usage') throw err;
    modelNote = err.message;
  }
  if (target === undefined && modelNote === '')
    modelNote = 'nothing to draw: give a demo file, a policy file, a run folder, --task or --model';
  const model = target === undefined ? null : modelPayload(target);

  const specOf = (s: Spec) => ({
    obsNames: s.observation.names,
    actNames: s.action.names,
    dt: 1 / s.controlRateHz,
  });
  const title = [
    ...(demoPath ? [basename(demoPath)] : []),
    ...(policyPath ? [basename(policyPath)] : []),
    ...(runs.length > 0 ? [runs.length === 1 ? runs[0]!.dir : `${runs.length} runs`] : []),
  ].join(' · ');
  return {
    session: {
      title: title || (model?.name ?? 'gail-bridge view'),
      model,
      modelNote,
      demo: demo
        ? {
            path: demoPath!,
            ...specOf(demo.spec),
            episodes: demo.episodes.map((e) => ({
              index: e.index,
              steps: e.trajectory.length,
              end: e.trajectory.end,
              return: e.trajectory.rewards ? e.trajectory.rewards.reduce((a, b) => a + b, 0) : null,
              startedAt: e.startedAt,
            })),
          }
        : null,
      policy: policyRecord ? policyPayload(policyPath!, policyRecord) : null,
      runs,
    },
    episodes: demo?.episodes ?? [],
    runDirs: runDirMap,
    runPolicies,
  };
}

/** One demo episode for the page: observations (T + 1 rows) and actions (T rows), base64 float32. */
export function episodePayload(e: DemoEpisode): {
  index: number;
  obs: string;
  acts: string;
  rewards: string | null;
  steps: number;
  end: string;
} {
  const t = e.trajectory;
  return {
    index: e.index,
    obs: b64(t.obs),
    acts: b64(t.acts),
    rewards: t.rewards ? b64(t.rewards) : null,
    steps: t.length,
    end: t.end,
  };
}

/** The metrics rows of a run folder, NaN written as null (JSON). */
export function runRows(dir: string): Record<string, number | null>[] {
  return readMetricsRows(dir).map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number.isFinite(v) ? v : null])),
  );
}

/** The text of metrics.jsonl from byte `from` on, complete lines only, and where the next read starts. */
export function readNewLines(dir: string, from: number): { lines: string[]; next: number } {
  const path = runPath(dir, 'metrics');
  if (!existsSync(path)) return { lines: [], next: from };
  const buf = readFileSync(path);
  if (buf.length < from) return { lines: [], next: buf.length }; // rewritten shorter (a resume): start over there
  const text = buf.subarray(from).toString('utf8');
  const end = text.lastIndexOf('\n');
  if (end < 0) return { lines: [], next: from };
  const lines = text
    .slice(0, end)
    .split('\n')
    .filter((l) => l.trim() !== '');
  return { lines, next: from + Buffer.byteLength(text.slice(0, end + 1)) };
}
