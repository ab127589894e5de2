/**
 * What any MCAP file holds (for `inspect` on rosbag2 bags): profile, topics with their types and
 * encodings, message counts, time range and chunk compression, from one bounded streaming pass. A
 * damaged file is summarised up to the damage, with the error kept in `problem`.
 */
import { GailBridgeError } from '../core/errors.js';
import type { ByteSource } from './byte-io.js';
import { type McapReadLimits, readMcapRecords } from './mcap-read.js';

/** One topic of an MCAP file. */
export interface McapTopicSummary {
  readonly topic: string;
  /** Schema name, e.g. "sensor_msgs/msg/JointState". */
  readonly type: string;
  readonly schemaEncoding: string;
  readonly messageEncoding: string;
  messages: number;
}

export interface McapSummary {
  profile: string;
  library: string;
  readonly topics: McapTopicSummary[];
  messages: number;
  /** First and last log time, ns; undefined without messages. */
  startNs: bigint | undefined;
  endNs: bigint | undefined;
  /** Chunk counts by compression ("" = none). */
  readonly chunks: Record<string, number>;
  /** Names of the metadata records. */
  readonly metadata: string[];
  /** Set when the file is damaged: the summary covers the records before it. */
  problem: string | undefined;
}

/** Summarises one or more MCAP files (the split files of a bag are summed). */
export async function summarizeMcap(
  sources: readonly ByteSource[],
  limits: McapReadLimits = {},
): Promise<McapSummary> {
  const s: McapSummary = {
    profile: '',
    library: '',
    topics: [],
    messages: 0,
    startNs: undefined,
    endNs: undefined,
    chunks: {},
    metadata: [],
    problem: undefined,
  };
  const byTopic = new Map<string, McapTopicSummary>();
  for (const source of sources) {
    const schemas = new Map<number, { name: string; encoding: string }>();
    const channels = new Map<number, McapTopicSummary>();
    try {
      for await (const r of readMcapRecords(source, limits, true)) {
        switch (r.type) {
          case 'Header':
            s.profile = r.profile;
            s.library = r.library;
            break;
          case 'Schema':
            schemas.set(r.id, r);
            break;
          case 'Channel': {
            const schema = schemas.get(r.schemaId);
            let t = byTopic.get(r.topic);
            if (!t) {
              t = {
                topic: r.topic,
                type: schema?.name ?? '(no schema)',
                schemaEncoding: schema?.encoding ?? '',
                messageEncoding: r.messageEncoding,
                messages: 0,
              };
              byTopic.set(r.topic, t);
              s.topics.push(t);
            }
            channels.set(r.id, t);
            break;
          }
          case 'Message': {
            const t = channels.get(r.channelId);
            if (t) t.messages++;
            s.messages++;
            if (s.startNs === undefined || r.logTime < s.startNs) s.startNs = r.logTime;
            if (s.endNs === undefined || r.logTime > s.endNs) s.endNs = r.logTime;
            break;
          }
          case 'Chunk':
            s.chunks[r.compression] = (s.chunks[r.compression] ?? 0) + 1;
            break;
          case 'Metadata':
            s.metadata.push(r.name);
            break;
          default:
            break;
        }
      }
    } catch (err) {
      // Only a file that is not MCAP at all is an error here; damage is reported with what was read.
      if (
        !(err instanceof GailBridgeError) ||
        (s.profile === '' && s.topics.length === 0 && s.messages === 0 && !s.library)
      ) {
        throw err;
      }
      s.problem = err.message;
      break;
    }
  }
  s.topics.sort((a, b) => a.topic.localeCompare(b.topic));
  return s;
}
