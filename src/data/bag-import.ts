/**
 * rosbag2 import (`gail-bridge import BAG --config config/robots/NAME.yaml --out demos.mcap`): reads a bag
 * recorded by `ros2 bag record` in MCAP storage (profile ros2, CDR; chunks uncompressed, zstd or lz4; one
 * .mcap file or a bag folder with metadata.yaml and split files), decodes each message with the schema
 * embedded in the bag, maps topics to vectors with the robot config the ROS 2 bridge uses (src/ros/
 * mapping.ts), resamples at the config's control rate and splits episodes.
 *
 * Resampling (sample-and-hold, at tick times t_k = t_0 + k / rate on the bag's log-time clock):
 *   obs_k  = observation from the newest message of each source topic with log time ≤ t_k
 *   act_k  = the newest command with log time ≤ t_{k+1}: the command in force during step k
 * t_0 is the first tick at which every topic has a message. The rate is the config's, never guessed from
 * the data. Per topic and tick, as `record` does (src/record/recorder.ts), the newest message is
 *   fresh    younger than one period,
 *   held     older than that but within the observation timeout (`observationTimeout`: the config's
 *            observation_timeout_s, else max(3 periods, 50 ms)): held, and counted per topic and episode,
 *   silent   older than the timeout: no step is made of it. Silence cuts the open episode, which ends
 *            `interrupted` (its last observation becomes the final one; the config says why in the
 *            episode's `cut` metadata), and the next episode starts when every topic speaks again.
 * So a pause between two takes never becomes frozen steps inside an episode. Messages whose log time goes
 * backwards on a topic are counted as late.
 *
 * Episodes also end (as `truncated`: an operator stop, not a task end) at each message on `episodeTopic`,
 * at silences longer than `splitGapS` (when that is shorter than the timeout), and at the end of the bag.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseRosMsg } from '@foxglove/rosmsg';
import { MessageReader } from '@foxglove/rosmsg2-serialization';
import { z } from 'zod';
import { loadYamlConfig } from '../config/load.js';
import { observationTimeout, type RobotConfig, robotSpec } from '../config/robot.js';
import { GailBridgeError } from '../core/errors.js';
import { makeTrajectory, type Trajectory } from '../core/trajectory.js';
import { actionFromCommand, ObservationMapper } from '../ros/mapping.js';
import { type McapReadLimits, readMcapRecords } from './mcap-read.js';

/** Options of one import (the `import` command's flags). */
export interface BagImportOptions extends McapReadLimits {
  /** Path of the robot config, written into the spec's source. */
  readonly configPath: string;
  /** A message on this topic (any type) starts a new episode. */
  readonly episodeTopic?: string;
  /**
   * End the episode (`truncated`) where any mapped topic is silent for longer than this, seconds; a
   * silence past the observation timeout always cuts it (`interrupted`).
   */
  readonly splitGapS?: number;
  /** Episodes shorter than this many steps are dropped (reported). Default 1. */
  readonly minSteps?: number;
}

/** What the import saw on one mapped topic. */
export interface TopicReport {
  readonly topic: string;
  /** Message type as recorded ("sensor_msgs/msg/JointState"). */
  readonly type: string;
  messages: number;
  /** Messages whose log time was before the previous one's on this topic. */
  late: number;
  /** Ticks at which this topic's newest message was older than a period but within the timeout (held). */
  heldTicks: number;
  /** Ticks at which this topic was silent past the observation timeout: no step was made there. */
  silentTicks: number;
  /** Episodes this topic's silence cut (ended `interrupted`). */
  cuts: number;
  /** Longest interval between consecutive messages, seconds. */
  maxGapS: number;
}

export interface BagImportResult {
  readonly files: readonly string[];
  readonly trajectories: readonly { trajectory: Trajectory; metadata: Record<string, string> }[];
  readonly topics: readonly TopicReport[];
  /** Episodes dropped for being shorter than minSteps. */
  readonly droppedEpisodes: number;
  /** Bag topics not used by the config, with message counts. */
  readonly unusedTopics: Readonly<Record<string, number>>;
}

const MAX_SCHEMA_CHARS = 1 << 20;

/** Accepted recorded types per configured type (a TwistStamped carries its Twist in `.twist`). */
const ACCEPTED_TYPES: Readonly<Record<string, readonly string[]>> = {
  'geometry_msgs/Twist': ['geometry_msgs/msg/Twist', 'geometry_msgs/msg/TwistStamped'],
};

function rosTypes(configType: string): readonly string[] {
  return ACCEPTED_TYPES[configType] ?? [configType.replace('/', '/msg/')];
}

/**
 * The MCAP files of a bag, in recording order: `bag` is one file, or a folder whose metadata.yaml lists
 * them. A sqlite3 bag is refused with the conversion command, by metadata.yaml or by the files' bytes.
 */
export async function bagFiles(bag: string): Promise<string[]> {
  let isDir: boolean;
  try {
    isDir = (await stat(bag)).isDirectory();
  } catch (err) {
    throw new GailBridgeError('file', `${bag}: cannot read (${(err as Error).message})`, { cause: err });
  }
  if (!isDir) return [bag];
  const metaPath = join(bag, 'metadata.yaml');
  let meta: unknown;
  try {
    meta = loadYamlConfig(metaPath, z.unknown(), { what: 'bag metadata', code: 'file' });
  } catch (err) {
    if ((err as { cause?: { code?: unknown } }).cause?.code !== 'ENOENT') throw err;
    const names = await readdir(bag).catch(() => []);
    throw new GailBridgeError(
      'file',
      `${metaPath}: cannot read the bag's metadata (no such file); a rosbag2 folder holds ` +
        `metadata.yaml next to its data files (found: ${names.join(', ') || 'nothing'})`,
      { cause: err },
    );
  }
  const info = (meta as { rosbag2_bagfile_information?: Record<string, unknown> } | null)
    ?.rosbag2_bagfile_information;
  if (!info) {
    throw new GailBridgeError(
      'file',
      `${metaPath}: no rosbag2_bagfile_information section; is this a rosbag2 bag?`,
    );
  }
  const storage = info['storage_identifier'];
  if (storage !== 'mcap') {
    throw new GailBridgeError(
      'file',
      `${metaPath}: storage "${String(storage)}" is not supported; gail-bridge reads MCAP bags. ` +
        `Convert with ROS 2: \`ros2 bag convert -i ${bag} -o out.yaml\` where out.yaml says ` +
        '`output_bags: [{uri: BAG_mcap, storage_id: mcap}]`.',
    );
  }
  const rel = info['relative_file_paths'];
  if (!Array.isArray(rel) || rel.length === 0 || !rel.every((p) => typeof p === 'string')) {
    throw new GailBridgeError('file', `${metaPath}: relative_file_paths must list the bag's files`);
  }
  for (const p of rel as string[]) {
    if (p.includes('..') || p.startsWith('/')) {
      throw new GailBridgeError('file', `${metaPath}: file path "${p}" leaves the bag folder`);
    }
  }
  return (rel as string[]).map((p) => join(bag, p));
}

interface TopicMessages {
  readonly report: TopicReport;
  /** Log times (ns) and decoded messages, sorted by time after reading. */
  readonly times: bigint[];
  readonly msgs: unknown[];
}

/**
 * Reads every message on `wanted` topics from the bag files, decoded with the bag's own schemas, and the
 * log times of messages on `markTopic` (any type).
 */
async function readTopics(
  files: readonly string[],
  wanted: ReadonlyMap<string, readonly string[]>,
  markTopic: string | undefined,
  limits: McapReadLimits,
): Promise<{ topics: Map<string, TopicMessages>; unused: Record<string, number>; marks: bigint[] }> {
  const topics = new Map<string, TopicMessages>();
  const unused: Record<string, number> = {};
  const marks: bigint[] = [];
  for (const file of files) {
    const schemas = new Map<number, { name: string; encoding: string; data: Uint8Array }>();
    const channels = new Map<number, { topic: string; reader: MessageReader | undefined }>();
    for await (const r of readMcapRecords(file, limits)) {
      if (r.type === 'Header' && r.profile !== 'ros2' && r.profile !== '') {
        throw new GailBridgeError(
          'file',
          `${file}: MCAP profile "${r.profile}" is not a rosbag2 (ros2) file`,
        );
      } else if (r.type === 'Schema') {
        schemas.set(r.id, r);
      } else if (r.type === 'Channel') {
        const accepted = wanted.get(r.topic);
        if (!accepted) {
          channels.set(r.id, { topic: r.topic, reader: undefined });
          continue;
        }
        const schema = schemas.get(r.schemaId);
        const at = `${file}: topic ${r.topic}`;
        if (!schema) throw new GailBridgeError('file', `${at}: its schema ${r.schemaId} is missing`);
        if (!accepted.includes(schema.name)) {
          throw new GailBridgeError(
            'ros',
            `${at}: the config expects ${accepted.join(' or ')}, the bag has ${schema.name}`,
          );
        }
        if (r.messageEncoding !== 'cdr') {
          throw new GailBridgeError(
            'file',
            `${at}: message encoding "${r.messageEncoding}" is not supported (cdr)`,
          );
        }
        if (schema.encoding !== 'ros2msg') {
          throw new GailBridgeError(
            'file',
            `${at}: schema encoding "${schema.encoding}" is not supported (ros2msg)`,
          );
        }
        if (schema.data.byteLength > MAX_SCHEMA_CHARS) {
          throw new GailBridgeError('file', `${at}: the ${schema.data.byteLength}-byte schema is too large`);
        }
        let reader: MessageReader;
        try {
          reader = new MessageReader(parseRosMsg(new TextDecoder().decode(schema.data), { ros2: true }));
        } catch (err) {
          throw new GailBridgeError(
            'file',
            `${at}: cannot parse its ${schema.name} schema (${(err as Error).message})`,
            {
              cause: err,
            },
          );
        }
        channels.set(r.id, { topic: r.topic, reader });
        if (!topics.has(r.topic)) {
          topics.set(r.topic, {
            report: {
              topic: r.topic,
              type: schema.name,
              messages: 0,
              late: 0,
              heldTicks: 0,
              silentTicks: 0,
              cuts: 0,
              maxGapS: 0,
            },
            times: [],
            msgs: [],
          });
        }
      } else if (r.type === 'Message') {
        const ch = channels.get(r.channelId)!;
        if (ch.topic === markTopic) marks.push(r.logTime);
        if (!ch.reader) {
          unused[ch.topic] = (unused[ch.topic] ?? 0) + 1;
          continue;
        }
        const t = topics.get(ch.topic)!;
        let msg: unknown;
        try {
          msg = ch.reader.readMessage(r.data);
        } catch (err) {
          throw new GailBridgeError(
            'file',
            `${file}: topic ${ch.topic}: message ${t.report.messages} (log time ${r.logTime} ns) is not valid CDR ` +
              `for ${t.report.type} (${(err as Error).message})`,
            { cause: err },
          );
        }
        const last = t.times[t.times.length - 1];
        if (last !== undefined && r.logTime < last) t.report.late++;
        t.times.push(r.logTime);
        t.msgs.push(msg);
        t.report.messages++;
      }
    }
  }
  for (const t of topics.values()) {
    if (t.report.late > 0) {
      const order = t.times
        .map((_, i) => i)
        .sort((a, b) => (t.times[a]! < t.times[b]! ? -1 : t.times[a]! > t.times[b]! ? 1 : a - b));
      const times = order.map((i) => t.times[i]!);
      const msgs = order.map((i) => t.msgs[i]);
      // Element-wise: a spread of a long recording would overflow the call stack.
      times.forEach((v, i) => {
        t.times[i] = v;
        t.msgs[i] = msgs[i];
      });
    }
    for (let i = 1; i < t.times.length; i++) {
      t.report.maxGapS = Math.max(t.report.maxGapS, Number(t.times[i]! - t.times[i - 1]!) / 1e9);
    }
  }
  return { topics, unused, marks };
}

/** Newest index with times[i] ≤ t, advancing a cursor (ticks only move forward). */
function advance(times: readonly bigint[], cursor: number, t: bigint): number {
  while (cursor + 1 < times.length && times[cursor + 1]! <= t) cursor++;
  return cursor;
}

/** Imports a rosbag2 MCAP bag into trajectories following `config` (see the module doc). */
export async function importBag(
  bag: string,
  config: RobotConfig,
  options: BagImportOptions,
): Promise<BagImportResult> {
  const files = await bagFiles(bag);
  const spec = robotSpec(config, options.configPath);
  const act = config.action;
  const wanted = new Map<string, readonly string[]>();
  const want = (topic: string, types: readonly string[]): void => {
    const prev = wanted.get(topic);
    if (prev && prev.join() !== types.join()) {
      throw new GailBridgeError(
        'config',
        `${options.configPath}: topic ${topic} is mapped as ${prev} and ${types}`,
      );
    }
    wanted.set(topic, types);
  };
  for (const s of config.observation) want(s.topic, rosTypes(s.type));
  want(act.topic, rosTypes(act.type));
  const { topics, unused, marks } = await readTopics(files, wanted, options.episodeTopic, options);
  const missing = [...wanted.keys()].filter((t) => !topics.get(t)?.times.length);
  if (missing.length > 0) {
    throw new GailBridgeError(
      'ros',
      `${bag}: no messages on ${missing.join(', ')} (the config maps them; recorded topics: ` +
        `${[...topics.keys(), ...Object.keys(unused)].join(', ') || 'none'})`,
    );
  }
  const boundaries = marks.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const periodNs = BigInt(Math.round(1e9 / config.control_rate_hz));
  const timeoutS = observationTimeout(config);
  const timeoutNs = BigInt(Math.round(1e9 * timeoutS));
  const splitNs = options.splitGapS !== undefined ? BigInt(Math.round(options.splitGapS * 1e9)) : undefined;
  const all = [...wanted.keys()].map((t) => topics.get(t)!);
  const actTopic = topics.get(act.topic)!;
  const obsDim = spec.observation.names.length;
  const actDim = spec.action.names.length;
  const mapper = new ObservationMapper(config);
  // bigint has no Math.max: the first tick is when every topic has spoken, the last when all have ended.
  const firsts = all.map((t) => t.times[0]!).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lasts = all.map((t) => t.times[t.times.length - 1]!).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const start = firsts[firsts.length - 1]!;
  const end = lasts[lasts.length - 1]!;
  const cursors = all.map(() => 0);
  let actCursor = 0;
  const latest = new Map<string, unknown>();
  const out: { trajectory: Trajectory; metadata: Record<string, string> }[] = [];
  let dropped = 0;
  let ep:
    | { obs: number[]; acts: number[]; times: number[]; held: Map<string, number>; start: bigint }
    | undefined;
  let nextBoundary = 0;

  const finishEpisode = (end: 'truncated' | 'interrupted' = 'truncated', cut?: string): void => {
    if (!ep) return;
    const T = ep.acts.length / actDim;
    if (T < (options.minSteps ?? 1)) {
      dropped++;
    } else {
      out.push({
        trajectory: makeTrajectory({
          obsDim,
          actDim,
          obs: Float32Array.from(ep.obs.slice(0, (T + 1) * obsDim)),
          acts: Float32Array.from(ep.acts),
          end,
          timestamps: Float64Array.from(ep.times.slice(0, T + 1)),
        }),
        metadata: {
          source: files.join(','),
          start_log_time_ns: String(ep.start),
          ...Object.fromEntries([...ep.held].map(([topic, n]) => [`held_ticks:${topic}`, String(n)])),
          ...(cut === undefined ? {} : { cut }),
        },
      });
    }
    ep = undefined;
  };

  const obsRow = new Float64Array(obsDim);
  for (let t = start; t <= end; t += periodNs) {
    while (nextBoundary < boundaries.length && boundaries[nextBoundary]! <= t) {
      finishEpisode();
      nextBoundary++;
    }
    let gap = false;
    const silent: { topic: TopicMessages; ageNs: bigint }[] = [];
    all.forEach((topic, i) => {
      cursors[i] = advance(topic.times, cursors[i]!, t);
      // A topic that ended (its last message is behind the tick) ages on like any other silence.
      const age = t - topic.times[cursors[i]!]!;
      latest.set(topic.report.topic, topic.msgs[cursors[i]!]);
      if (age > timeoutNs) {
        topic.report.silentTicks++;
        silent.push({ topic, ageNs: age });
      } else if (age >= periodNs) {
        topic.report.heldTicks++;
        if (ep) ep.held.set(topic.report.topic, (ep.held.get(topic.report.topic) ?? 0) + 1);
      }
      if (splitNs !== undefined && age > splitNs) gap = true;
    });
    if (silent.length > 0) {
      if (ep) {
        for (const s of silent) s.topic.report.cuts++;
        finishEpisode(
          'interrupted',
          silent
            .map(
              (s) =>
                `${s.topic.report.topic} silent ${(Number(s.ageNs) / 1e9).toFixed(2)} s > timeout ${timeoutS.toFixed(2)} s`,
            )
            .join('; '),
        );
      }
      continue;
    }
    if (gap) {
      finishEpisode();
      continue;
    }
    try {
      mapper.observe(latest, obsRow);
    } catch (err) {
      throw new GailBridgeError('ros', `${bag}: ${(err as Error).message}`, { cause: err });
    }
    ep ??= { obs: [], acts: [], times: [], held: new Map(), start: t };
    // The action of the previous tick is the command in force up to this one.
    if (ep.obs.length > 0) {
      actCursor = advance(actTopic.times, actCursor, t);
      ep.acts.push(...commandVector(act, actTopic.msgs[actCursor], bag));
    }
    ep.obs.push(...obsRow);
    ep.times.push(Number(t - start) / 1e9);
  }
  finishEpisode();
  return {
    files,
    trajectories: out,
    topics: all.map((t) => t.report),
    droppedEpisodes: dropped,
    unusedTopics: unused,
  };
}

function commandVector(act: RobotConfig['action'], msg: unknown, bag: string): Float64Array {
  const m =
    act.type === 'geometry_msgs/Twist' && msg && typeof msg === 'object' && 'twist' in msg ? msg.twist : msg;
  try {
    return actionFromCommand(act, m);
  } catch (err) {
    throw new GailBridgeError('ros', `${bag}: ${(err as Error).message}`, { cause: err });
  }
}
