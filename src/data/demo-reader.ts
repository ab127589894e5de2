/**
 * Reads gail-bridge demonstration files (layout in demo-format.ts) as a stream of validated episodes, and
 * repairs files cut by a hard kill or damaged anywhere (mcap-salvage.ts reads past damaged chunks).
 *
 * Untrusted input (specs/failure-cases.md): the MCAP layer is bounded by `readMcapRecords`; above it every
 * record is decoded with the project's own schema and checked against the file's spec and the episode
 * in progress (numbers, step order, vector lengths, end reason), because a protobuf decoder accepts bytes
 * of the wrong type. Messages on channels that are not ours and unknown records are skipped and counted.
 */
import { GailBridgeError } from '../core/errors.js';
import { assertSpecsMatch, type Spec, spaceDim } from '../core/spec.js';
import { type EpisodeEnd, makeTrajectory, type Trajectory } from '../core/trajectory.js';
import { type ByteSource, sourceName } from './byte-io.js';
import {
  DEMO_CHANNELS,
  DEMO_FORMAT_VERSION,
  DEMO_METADATA_NAME,
  DEMO_METADATA_SPEC_KEY,
  type DemoRecordKind,
} from './demo-format.js';
import { DemoWriter, type DemoWriterOptions } from './demo-writer.js';
import { type McapReadLimits, type McapReadProgress, readMcapRecords } from './mcap-read.js';
import { type SalvageFallback, type SalvageReport, salvageMcapRecords } from './mcap-salvage.js';
import {
  bytesToFloat32,
  EpisodeEndCodec,
  EpisodeHeaderCodec,
  endFromProto,
  fromKeyValues,
  GAIL_BRIDGE_DESCRIPTOR,
  SpecCodec,
  StepCodec,
  specFromProto,
} from './proto.js';

/** One episode of a demo file. */
export interface DemoEpisode {
  /** Episode number in the file (0, 1, ...). */
  readonly index: number;
  readonly trajectory: Trajectory;
  readonly metadata: Readonly<Record<string, string>>;
  /** ISO 8601 wall-clock start, as written. */
  readonly startedAt: string;
}

/** What a read saw besides episodes. Filled in as the read goes. */
export interface DemoReadReport {
  /** The file's spec, once known. */
  spec: Spec | undefined;
  /** Records skipped (foreign channels, unknown opcodes, empty episodes), one line each kind. */
  readonly skipped: Map<string, number>;
  /** In repair mode: what was lost and why; empty when nothing was. */
  readonly lost: string[];
  /** In repair mode: the episodes cut by damage or truncation, and how many of their steps survive. */
  readonly cuts: { index: number; stepsKept: number }[];
  /** In repair mode: the numbers of the episodes lost whole (their header is in damaged bytes). */
  readonly lostEpisodes: number[];
}

export interface DemoReadOptions extends McapReadLimits {
  /**
   * Keep going past damage: skip damaged chunks and a truncated end (mcap-salvage.ts), yield the episode
   * each damage cut as `interrupted`, drop the ones whose header was lost, and note everything lost in
   * the report. Used by `inspect --repair`.
   */
  readonly repair?: boolean;
}

/** Creates an empty report to pass to `readDemoEpisodes`. */
export function newDemoReadReport(): DemoReadReport {
  return { spec: undefined, skipped: new Map(), lost: [], cuts: [], lostEpisodes: [] };
}

/**
 * The schemas and channels every DemoWriter registers, in its order (ChunkedMcapWriter numbers schemas
 * from 1 and channels from 0): a repair assumes them when the chunk holding the Channel records is damaged
 * and no summary survives.
 */
const DEMO_FALLBACK: SalvageFallback = {
  schemas: (Object.keys(DEMO_CHANNELS) as DemoRecordKind[]).map((k, i) => ({
    id: i + 1,
    name: DEMO_CHANNELS[k].schema,
    encoding: 'protobuf',
    data: GAIL_BRIDGE_DESCRIPTOR,
  })),
  channels: (Object.keys(DEMO_CHANNELS) as DemoRecordKind[]).map((k, i) => ({
    id: i,
    schemaId: i + 1,
    topic: DEMO_CHANNELS[k].topic,
    messageEncoding: 'protobuf',
    metadata: new Map<string, string>(),
  })),
};

interface Building {
  readonly index: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly startedAt: string;
  readonly obs: Float32Array[];
  readonly acts: Float32Array[];
  readonly rewards: (number | undefined)[];
  readonly times: (number | undefined)[];
}

const KIND_BY_TOPIC = new Map<string, DemoRecordKind>(
  (Object.keys(DEMO_CHANNELS) as DemoRecordKind[]).map((k) => [DEMO_CHANNELS[k].topic, k] as const),
);

function concat(rows: readonly Float32Array[], dim: number): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    out.set(r, i * dim);
  });
  return out;
}

/** Builds the trajectory of `b` from its first `steps` steps and `finalObs`. */
function finish(
  b: Building,
  spec: Spec,
  steps: number,
  end: EpisodeEnd,
  finalObs: Float32Array,
  finalTime: number | undefined,
): Trajectory {
  const obsDim = spaceDim(spec.observation);
  const actDim = spaceDim(spec.action);
  const rewards = b.rewards.slice(0, steps);
  const times = [...b.times.slice(0, steps), finalTime];
  return makeTrajectory({
    obsDim,
    actDim,
    obs: concat([...b.obs.slice(0, steps), finalObs], obsDim),
    acts: concat(b.acts.slice(0, steps), actDim),
    end,
    rewards: steps > 0 && rewards.every((r) => r !== undefined) ? Float32Array.from(rewards) : undefined,
    timestamps: times.every((t) => t !== undefined) ? Float64Array.from(times) : undefined,
  });
}

/**
 * Streams the episodes of a demo file, each validated against the file's spec. `report` receives the
 * spec, skipped records and (with `repair`) what was lost. Throws a `file` error for a file that is not
 * a gail-bridge demo file, a damaged one (unless `repair`), or a record that contradicts its episode.
 */
export async function* readDemoEpisodes(
  source: ByteSource,
  options: DemoReadOptions = {},
  report: DemoReadReport = newDemoReadReport(),
): AsyncGenerator<DemoEpisode> {
  const name = sourceName(source);
  const schemaNames = new Map<number, string>();
  const channelKinds = new Map<number, DemoRecordKind | undefined>();
  let ours = false;
  let building: Building | undefined;
  let nextEpisode = 0;
  const progress: McapReadProgress = { bytesRead: 0, bytesReceived: 0 };
  const skip = (what: string): void => {
    report.skipped.set(what, (report.skipped.get(what) ?? 0) + 1);
  };
  const notOurs = (why: string): GailBridgeError =>
    new GailBridgeError(
      'file',
      `${name}: not a gail-bridge demo file (${why}). For a rosbag2 bag use \`gail-bridge import\`; ` +
        '`gail-bridge inspect` lists any MCAP file.',
    );
  const setSpec = (spec: Spec, where: string): void => {
    if (report.spec) assertSpecsMatch(`${name}: ${where} vs the file's spec`, report.spec, spec);
    else report.spec = spec;
  };

  /** Closes the episode in progress at damage: its steps so far are kept, marked interrupted. */
  function* cutBuilding(why: string): Generator<DemoEpisode> {
    const b = building;
    const spec = report.spec;
    building = undefined;
    if (!b || !spec) return;
    const n = b.obs.length;
    if (n === 0) {
      report.lost.push(`episode ${b.index}: ${why} after its header; dropped`);
      return;
    }
    // No observation followed the last surviving step: it becomes the final one, its action is dropped.
    report.cuts.push({ index: b.index, stepsKept: n - 1 });
    report.lost.push(`episode ${b.index}: ${why} after ${n} steps; kept ${n - 1}, marked interrupted`);
    yield {
      index: b.index,
      trajectory: finish(b, spec, n - 1, 'interrupted', b.obs[n - 1]!, b.times[n - 1]),
      metadata: b.metadata,
      startedAt: b.startedAt,
    };
  }
  /** Episodes from..to-1 were lost whole in damaged bytes. */
  const loseEpisodes = (from: number, to: number): void => {
    if (to <= from) return;
    for (let i = from; i < to; i++) report.lostEpisodes.push(i);
    report.lost.push(
      to - from === 1
        ? `episode ${from}: lost whole (its header is in damaged bytes)`
        : `episodes ${from}–${to - 1}: lost whole (${to - from} episodes; their headers are in damaged bytes)`,
    );
  };
  // After damage, records of an episode whose header was lost (or that was cut) are skipped.
  let afterDamage = false;
  const salvage: SalvageReport = { indexed: false, channelMessageCounts: undefined };

  try {
    const limits = {
      ...options,
      requireCrcs: options.requireCrcs ?? true,
      what: options.what ?? 'demo file',
    };
    const records = options.repair
      ? salvageMcapRecords(source, { ...limits, fallback: DEMO_FALLBACK }, salvage)
      : readMcapRecords(source, limits, false, progress);
    for await (const record of records) {
      switch (record.type) {
        case 'Damage':
          report.lost.push(record.reason);
          yield* cutBuilding('cut');
          afterDamage = true;
          break;
        case 'Header':
          if (record.profile !== '') throw notOurs(`its MCAP profile is "${record.profile}"`);
          break;
        case 'Metadata':
          if (record.name !== DEMO_METADATA_NAME) {
            skip(`metadata ${record.name}`);
            break;
          }
          if (record.metadata.get('format_version') !== DEMO_FORMAT_VERSION) {
            throw new GailBridgeError(
              'file',
              `${name}: demo format version ${record.metadata.get('format_version')} is not supported ` +
                `(this gail-bridge reads version ${DEMO_FORMAT_VERSION}); use a matching gail-bridge`,
            );
          }
          ours = true;
          {
            const b64 = record.metadata.get(DEMO_METADATA_SPEC_KEY);
            if (b64 !== undefined) {
              const where = `the file's metadata`;
              setSpec(
                specFromProto(SpecCodec.decode(Buffer.from(b64, 'base64'), `${name}: ${where}`), where),
                where,
              );
            }
          }
          break;
        case 'Schema':
          schemaNames.set(record.id, record.name);
          break;
        case 'Channel': {
          const kind = KIND_BY_TOPIC.get(record.topic);
          const match =
            kind !== undefined &&
            record.messageEncoding === 'protobuf' &&
            schemaNames.get(record.schemaId) === DEMO_CHANNELS[kind].schema;
          if (kind !== undefined && !match) {
            throw new GailBridgeError(
              'file',
              `${name}: channel ${record.topic} has schema "${schemaNames.get(record.schemaId)}" ` +
                `(${record.messageEncoding}); expected "${DEMO_CHANNELS[kind].schema}" (protobuf)`,
            );
          }
          channelKinds.set(record.id, match ? kind : undefined);
          break;
        }
        case 'Message': {
          const kind = channelKinds.get(record.channelId);
          if (kind === undefined) {
            skip(`messages on channel ${record.channelId} (not a gail-bridge channel)`);
            break;
          }
          if (!ours)
            throw notOurs('a gail-bridge message comes before the gail_bridge.demos metadata record');
          const spec = report.spec;
          const at = `${name}: ${DEMO_CHANNELS[kind].topic} message ${record.sequence}`;
          if (kind === 'header') {
            const h = EpisodeHeaderCodec.decode(record.data, at);
            if (building) {
              throw new GailBridgeError(
                'file',
                `${at}: episode ${h.episode} starts while episode ${building.index} is open`,
              );
            }
            if (afterDamage && h.episode > nextEpisode) {
              loseEpisodes(nextEpisode, h.episode);
              nextEpisode = h.episode;
            }
            if (h.episode !== nextEpisode) {
              throw new GailBridgeError('file', `${at}: expected episode ${nextEpisode}, got ${h.episode}`);
            }
            setSpec(specFromProto(h.spec, `${at} (episode ${h.episode})`), `episode ${h.episode}`);
            building = {
              index: h.episode,
              metadata: fromKeyValues(h.metadata),
              startedAt: h.startedAt,
              obs: [],
              acts: [],
              rewards: [],
              times: [],
            };
            nextEpisode++;
            break;
          }
          if (!building && afterDamage) {
            skip('records of episodes cut or lost by damage');
            break;
          }
          if (!building || !spec) throw new GailBridgeError('file', `${at}: no episode is open`);
          const obsDim = spaceDim(spec.observation);
          if (kind === 'step') {
            const s = StepCodec.decode(record.data, at);
            const here = `${at} (episode ${building.index} step ${building.obs.length})`;
            if (s.episode !== building.index || s.index !== building.obs.length) {
              throw new GailBridgeError('file', `${here}: record says episode ${s.episode} step ${s.index}`);
            }
            building.obs.push(bytesToFloat32(s.obs, obsDim, `${here} obs`));
            building.acts.push(bytesToFloat32(s.action, spaceDim(spec.action), `${here} action`));
            building.rewards.push(
              s.reward instanceof Uint8Array && s.reward.byteLength > 0
                ? bytesToFloat32(s.reward, 1, `${here} reward`)[0]
                : undefined,
            );
            building.times.push(s.timeS ?? undefined);
            break;
          }
          const e = EpisodeEndCodec.decode(record.data, at);
          const here = `${at} (end of episode ${building.index})`;
          if (e.episode !== building.index) {
            throw new GailBridgeError('file', `${here}: record says episode ${e.episode}`);
          }
          const end = endFromProto(e.end, here);
          const received = building.obs.length;
          // A writer closed mid-episode keeps all but the last step, whose observation becomes the final one.
          const cutShort = end === 'interrupted' && e.steps === received - 1;
          if (e.steps !== received && !cutShort) {
            throw new GailBridgeError(
              'file',
              `${here}: says ${e.steps} steps, but ${received} were recorded`,
            );
          }
          const b = building;
          building = undefined;
          if (
            end === 'interrupted' &&
            received === 0 &&
            !(e.finalObs instanceof Uint8Array && e.finalObs.byteLength > 0)
          ) {
            skip('interrupted episodes with no observation');
            break;
          }
          const finalObs = bytesToFloat32(e.finalObs, obsDim, `${here} final observation`);
          yield {
            index: b.index,
            trajectory: finish(b, spec, e.steps, end, finalObs, e.finalTimeS ?? undefined),
            metadata: b.metadata,
            startedAt: b.startedAt,
          };
          break;
        }
        case 'Unknown':
          skip(`records with unknown opcode ${record.opcode}`);
          break;
        default:
          break;
      }
    }
    if (!ours) throw notOurs('it has no gail_bridge.demos metadata record');
    if (building) {
      throw new GailBridgeError('file', `${name}: episode ${building.index} has no end record`);
    }
    // The summary's statistics say how many episodes were written: any after the last header read were lost.
    const headerChannel = [...channelKinds].find(([, k]) => k === 'header')?.[0];
    const written =
      headerChannel === undefined ? undefined : salvage.channelMessageCounts?.get(headerChannel);
    if (written !== undefined) loseEpisodes(nextEpisode, Number(written));
  } catch (err) {
    if (!(err instanceof GailBridgeError) || err.code !== 'file' || !options.repair || !ours) {
      if (err instanceof GailBridgeError && err.code === 'file' && ours && !options.repair) {
        throw new GailBridgeError(
          'file',
          `${err.message}. To recover its complete episodes: gail-bridge inspect ${name} --repair OUT.mcap`,
          { cause: err },
        );
      }
      throw err;
    }
    report.lost.push(err.message);
    yield* cutBuilding('cut');
  }
}

/** A whole demo file in memory. */
export interface DemoFile {
  readonly spec: Spec;
  readonly episodes: readonly DemoEpisode[];
  readonly report: DemoReadReport;
}

/** Reads every episode of a demo file (see `readDemoEpisodes`). */
export async function readDemoFile(source: ByteSource, options: DemoReadOptions = {}): Promise<DemoFile> {
  const report = newDemoReadReport();
  const episodes: DemoEpisode[] = [];
  for await (const ep of readDemoEpisodes(source, options, report)) episodes.push(ep);
  if (!report.spec) throw new GailBridgeError('file', `${sourceName(source)}: the file carries no spec`);
  return { spec: report.spec, episodes, report };
}

/** What `repairDemoFile` recovered. */
export interface RepairResult {
  readonly episodes: number;
  readonly steps: number;
  /** Episodes cut by damage or truncation: their steps before it are kept, marked interrupted. */
  readonly cuts: readonly { index: number; stepsKept: number }[];
  /** Numbers (in the input) of the episodes lost whole. */
  readonly lostEpisodes: readonly number[];
  /** What was lost, one line each; empty when the input was intact. */
  readonly lost: readonly string[];
}

/**
 * Writes to `output` every intact episode of a damaged demo file, plus the ones damage cut (marked
 * `interrupted`), and says what was lost (`inspect --repair`). When damage left nothing to recover, throws
 * a `file` error listing the damage and writes no output.
 */
export async function repairDemoFile(
  input: string,
  output: string,
  options: Omit<DemoWriterOptions, 'spec'> & McapReadLimits = {},
): Promise<RepairResult> {
  const report = newDemoReadReport();
  const episodes: DemoEpisode[] = [];
  for await (const ep of readDemoEpisodes(input, { ...options, repair: true }, report)) episodes.push(ep);
  if (episodes.length === 0 && report.lost.length > 0)
    throw new GailBridgeError(
      'file',
      `${input}: nothing could be recovered, so ${output} was not written:\n  - ${report.lost.join('\n  - ')}`,
    );
  const spec = report.spec;
  if (!spec) throw new GailBridgeError('file', `${input}: the file carries no spec`);
  const writer = await DemoWriter.create(output, { ...options, spec });
  let steps = 0;
  try {
    for (const ep of episodes) {
      await writer.writeTrajectory(ep.trajectory, ep.metadata);
      steps += ep.trajectory.length;
    }
  } finally {
    await writer.close();
  }
  return {
    episodes: episodes.length,
    steps,
    cuts: report.cuts,
    lostEpisodes: report.lostEpisodes,
    lost: report.lost,
  };
}
