/**
 * `DemoWriter`: a stream sink that writes demonstrations to an MCAP file as steps arrive (layout in
 * demo-format.ts). The open chunk holds at most 1 MiB or 1 s of data, so a hard kill loses at most that;
 * `close()` (also run by `finishOnSignal` on SIGINT/SIGTERM) writes the summary and indexes.
 *
 * Contract: callers must await each call before making the next; a call made while another is running
 * is a `state` error (the MCAP record order would otherwise be corrupt). With rxjs, feed it through
 * `concatMap(step => writer.writeStep(step))`.
 */
import * as zstd from '@foxglove/wasm-zstd';
import type { IWritable } from '@mcap/core';
import { GailBridgeError } from '../core/errors.js';
import { type Spec, spaceDim } from '../core/spec.js';
import type { EpisodeEnd, Trajectory } from '../core/trajectory.js';
import { PRODUCER } from '../version.js';
import { FileWritable } from './byte-io.js';
import {
  DEMO_CHANNELS,
  DEMO_FORMAT_VERSION,
  DEMO_METADATA_NAME,
  DEMO_METADATA_SPEC_KEY,
  type DemoRecordKind,
} from './demo-format.js';
import { ChunkedMcapWriter } from './mcap-writer.js';
import {
  EpisodeEndCodec,
  EpisodeHeaderCodec,
  endToProto,
  float32ToBytes,
  GAIL_BRIDGE_DESCRIPTOR,
  SpecCodec,
  StepCodec,
  specToProto,
  toKeyValues,
} from './proto.js';

/** One step as it arrives: the observation the action was taken in, and the action. */
export interface DemoStep {
  /** obsDim values; NaN and -0 are stored bit-exactly. */
  readonly obs: Float32Array;
  /** actDim values. */
  readonly action: Float32Array;
  /** The task's reward for this step, when known (evaluation only). */
  readonly reward?: number;
  /** Monotonic time of the observation, seconds. */
  readonly timeS?: number;
}

export interface DemoWriterOptions {
  /** The spec every episode in the file follows (written into each episode header). */
  readonly spec: Spec;
  /** Chunk compression. Default "zstd". */
  readonly compression?: 'zstd' | 'none';
  /** Chunk size bound in uncompressed bytes. Default 1 MiB. */
  readonly chunkBytes?: number;
  /** Chunk age bound in seconds. Default 1. */
  readonly chunkSeconds?: number;
  /** Monotonic clock, ns (receive times and chunk age). Default `process.hrtime.bigint`. */
  readonly clockNs?: () => bigint;
  /** Wall clock, ms since the epoch, read once at start to anchor log times. Default `Date.now`. */
  readonly wallMs?: () => number;
}

/** What a closed writer wrote. */
export interface DemoWriteSummary {
  readonly episodes: number;
  readonly steps: number;
  /** Episodes that `close()` found open and ended as `interrupted`. */
  readonly interruptedOnClose: number;
}

interface OpenEpisode {
  readonly index: number;
  steps: number;
  lastObs: Float32Array | undefined;
  lastTimeS: number | undefined;
}

export class DemoWriter {
  readonly spec: Spec;
  readonly #mcap: ChunkedMcapWriter;
  readonly #sink: FileWritable | undefined;
  readonly #channels: Record<DemoRecordKind, number>;
  readonly #obsDim: number;
  readonly #actDim: number;
  readonly #clock: () => bigint;
  readonly #clock0: bigint;
  readonly #wall0Ns: bigint;
  #episode: OpenEpisode | undefined;
  #episodes = 0;
  #steps = 0;
  #interrupted = 0;
  #busy = false;
  #closed: Promise<DemoWriteSummary> | undefined;
  #seq = 0;

  private constructor(writable: IWritable, sink: FileWritable | undefined, options: DemoWriterOptions) {
    this.spec = options.spec;
    this.#sink = sink;
    this.#obsDim = spaceDim(options.spec.observation);
    this.#actDim = spaceDim(options.spec.action);
    this.#clock = options.clockNs ?? process.hrtime.bigint;
    this.#clock0 = this.#clock();
    this.#wall0Ns = BigInt(Math.round((options.wallMs ?? Date.now)())) * 1_000_000n;
    const compression = options.compression ?? 'zstd';
    this.#mcap = new ChunkedMcapWriter({
      writable,
      library: PRODUCER,
      chunkBytes: options.chunkBytes,
      chunkSeconds: options.chunkSeconds,
      clockNs: this.#clock,
      compress:
        compression === 'zstd'
          ? (data) => ({ compression: 'zstd', compressedData: zstd.compress(data, 3) })
          : undefined,
    });
    const channel = (kind: DemoRecordKind): number => {
      const { topic, schema } = DEMO_CHANNELS[kind];
      const schemaId = this.#mcap.registerSchema({
        name: schema,
        encoding: 'protobuf',
        data: GAIL_BRIDGE_DESCRIPTOR,
      });
      return this.#mcap.registerChannel({
        schemaId,
        topic,
        messageEncoding: 'protobuf',
        metadata: new Map(),
      });
    };
    this.#channels = { header: channel('header'), step: channel('step'), end: channel('end') };
  }

  /** Creates (or overwrites) the demo file at `path` and writes its header. */
  static async create(path: string, options: DemoWriterOptions): Promise<DemoWriter> {
    await zstd.isLoaded;
    const sink = await FileWritable.create(path);
    const writer = new DemoWriter(sink, sink, options);
    await writer.#start();
    return writer;
  }

  /** Writes into any `IWritable` (e.g. `@mcap/core`'s in-memory `TempBuffer`). */
  static async toWritable(writable: IWritable, options: DemoWriterOptions): Promise<DemoWriter> {
    await zstd.isLoaded;
    const writer = new DemoWriter(writable, undefined, options);
    await writer.#start();
    return writer;
  }

  async #start(): Promise<void> {
    await this.#mcap.start();
    await this.#mcap.addMetadata({
      name: DEMO_METADATA_NAME,
      metadata: new Map([
        ['format_version', DEMO_FORMAT_VERSION],
        ['producer', PRODUCER],
        // The spec also opens the file, so that a file with no episodes still says what it records.
        [DEMO_METADATA_SPEC_KEY, Buffer.from(SpecCodec.encode(specToProto(this.spec))).toString('base64')],
      ]),
    });
  }

  /** Opens the next episode (numbered from 0) and writes its header; returns its number. */
  async beginEpisode(metadata?: Readonly<Record<string, string>>): Promise<number> {
    return this.#exclusive('beginEpisode', async () => {
      if (this.#episode) {
        throw new GailBridgeError(
          'state',
          `demo writer: beginEpisode() while episode ${this.#episode.index} is open (call endEpisode first)`,
        );
      }
      const index = this.#episodes;
      await this.#add(
        'header',
        EpisodeHeaderCodec.encode({
          episode: index,
          spec: specToProto(this.spec),
          startedAt: new Date(Number(this.#wall0Ns / 1_000_000n) + this.#elapsedMs()).toISOString(),
          metadata: toKeyValues(metadata),
        }),
      );
      this.#episode = { index, steps: 0, lastObs: undefined, lastTimeS: undefined };
      this.#episodes++;
      return index;
    });
  }

  /** Appends a step to the open episode. */
  async writeStep(step: DemoStep): Promise<void> {
    return this.#exclusive('writeStep', async () => {
      const ep = this.#openEpisode('writeStep');
      if (step.obs.length !== this.#obsDim || step.action.length !== this.#actDim) {
        throw new GailBridgeError(
          'shape',
          `demo writer, episode ${ep.index} step ${ep.steps}: expected obs ${this.#obsDim} and action ` +
            `${this.#actDim} values, got ${step.obs.length} and ${step.action.length}`,
        );
      }
      await this.#add(
        'step',
        StepCodec.encode({
          episode: ep.index,
          index: ep.steps,
          obs: float32ToBytes(step.obs),
          action: float32ToBytes(step.action),
          reward: step.reward === undefined ? undefined : float32ToBytes(Float32Array.of(step.reward)),
          timeS: step.timeS,
        }),
      );
      ep.steps++;
      ep.lastObs = step.obs.slice();
      ep.lastTimeS = step.timeS;
      this.#steps++;
    });
  }

  /** Ends the open episode: why it stopped, and the observation after its last action. */
  async endEpisode(end: EpisodeEnd, finalObs: Float32Array, finalTimeS?: number): Promise<void> {
    return this.#exclusive('endEpisode', async () => {
      const ep = this.#openEpisode('endEpisode');
      if (finalObs.length !== this.#obsDim) {
        throw new GailBridgeError(
          'shape',
          `demo writer, episode ${ep.index} end: expected a final observation of ${this.#obsDim} values, got ${finalObs.length}`,
        );
      }
      await this.#writeEnd(ep, end, ep.steps, finalObs, finalTimeS);
    });
  }

  /** Writes a whole trajectory as one episode. */
  async writeTrajectory(t: Trajectory, metadata?: Readonly<Record<string, string>>): Promise<void> {
    await this.beginEpisode(metadata);
    const { obsDim, actDim } = t;
    for (let i = 0; i < t.length; i++) {
      await this.writeStep({
        obs: t.obs.subarray(i * obsDim, (i + 1) * obsDim),
        action: t.acts.subarray(i * actDim, (i + 1) * actDim),
        reward: t.rewards?.[i],
        timeS: t.timestamps?.[i],
      });
    }
    await this.endEpisode(t.end, t.obs.subarray(t.length * obsDim), t.timestamps?.[t.length]);
  }

  /**
   * Finishes the file: an open episode is ended as `interrupted` (its last step's observation becomes the
   * final one and that step's action is dropped, since no observation followed it), then the summary and
   * indexes are written and the file is synced and closed. Idempotent; later calls return the same summary.
   */
  close(): Promise<DemoWriteSummary> {
    this.#closed ??= (async () => {
      while (this.#busy) await new Promise((r) => setImmediate(r));
      this.#busy = true;
      try {
        const ep = this.#episode;
        if (ep) {
          const keep = Math.max(ep.steps - 1, 0);
          await this.#writeEnd(ep, 'interrupted', keep, ep.lastObs ?? new Float32Array(0), ep.lastTimeS);
          this.#interrupted++;
        }
        await this.#mcap.end();
        await this.#sink?.sync();
        await this.#sink?.close();
        return { episodes: this.#episodes, steps: this.#steps, interruptedOnClose: this.#interrupted };
      } finally {
        this.#busy = false;
      }
    })();
    return this.#closed;
  }

  async #writeEnd(
    ep: OpenEpisode,
    end: EpisodeEnd,
    steps: number,
    finalObs: Float32Array,
    finalTimeS: number | undefined,
  ): Promise<void> {
    await this.#add(
      'end',
      EpisodeEndCodec.encode({
        episode: ep.index,
        end: endToProto(end),
        steps,
        finalObs: float32ToBytes(finalObs),
        finalTimeS,
      }),
    );
    this.#episode = undefined;
    // Close the chunk at each episode end, so a crash never cuts a finished episode.
    await this.#mcap.flushChunk();
  }

  #openEpisode(op: string): OpenEpisode {
    if (!this.#episode) throw new GailBridgeError('state', `demo writer: ${op}() with no open episode`);
    return this.#episode;
  }

  #elapsedMs(): number {
    return Number((this.#clock() - this.#clock0) / 1_000_000n);
  }

  async #add(kind: DemoRecordKind, data: Uint8Array): Promise<void> {
    // Receive time on the monotonic clock, anchored to the wall clock once at start (failure-cases.md).
    const logTime = this.#wall0Ns + (this.#clock() - this.#clock0);
    await this.#mcap.addMessage({
      channelId: this.#channels[kind],
      sequence: this.#seq++,
      logTime,
      publishTime: logTime,
      data,
    });
  }

  async #exclusive<T>(op: string, body: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new GailBridgeError('state', `demo writer: ${op}() after close()`);
    if (this.#busy) {
      throw new GailBridgeError(
        'state',
        `demo writer: ${op}() called before the previous call finished (await each call)`,
      );
    }
    this.#busy = true;
    try {
      return await body();
    } finally {
      this.#busy = false;
    }
  }
}
