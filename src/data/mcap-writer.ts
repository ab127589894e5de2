/**
 * An MCAP writer whose open chunk is bounded in bytes and in age, so that a hard kill loses at most
 * `chunkBytes` or `chunkSeconds` of data.
 *
 * `@mcap/core`'s `McapWriter` closes a chunk only when it exceeds its byte size and has no way to close
 * one on time; this class is the same record sequence (MCAP spec, "Chunk", "Summary Section") written
 * with the library's own `McapRecordBuilder` and `McapChunkBuilder`, plus `flushChunk()`. Every chunk
 * carries its CRC; the summary repeats schemas and channels and holds statistics, chunk indexes and
 * summary offsets, so `McapIndexedReader`, Foxglove and the `mcap` CLI read the file indexed.
 *
 * Contract: callers must await each call before making the next (as with `McapWriter`).
 */
import { crc32, crc32Final, crc32Init, crc32Update } from '@foxglove/crc';
import { type IWritable, McapChunkBuilder, McapRecordBuilder, type McapTypes, Opcode } from '@mcap/core';
import { GailBridgeError } from '../core/errors.js';

/** Compresses a chunk's records; returns the MCAP compression name ("zstd", "lz4", "" for none). */
export type ChunkCompressor = (data: Uint8Array) => { compression: string; compressedData: Uint8Array };

export interface ChunkedMcapWriterOptions {
  readonly writable: IWritable;
  /** MCAP header profile ("" for ours, "ros2" for rosbag2 files). Default "". */
  readonly profile?: string;
  /** Written into the MCAP header's library field. */
  readonly library: string;
  /** Largest chunk, uncompressed bytes: a chunk is closed before a message would exceed it. Default 1 MiB. */
  readonly chunkBytes?: number;
  /** Close the open chunk once it holds a message this many seconds older (by `clockNs`). Default 1 s. */
  readonly chunkSeconds?: number;
  /** Monotonic clock in nanoseconds, used only for chunk age. Default `process.hrtime.bigint`. */
  readonly clockNs?: () => bigint;
  readonly compress?: ChunkCompressor;
}

export class ChunkedMcapWriter {
  readonly #w: IWritable;
  readonly #records = new McapRecordBuilder();
  readonly #chunk = new McapChunkBuilder({ useMessageIndex: true });
  readonly #chunkBytes: number;
  readonly #chunkAgeNs: bigint;
  readonly #clock: () => bigint;
  readonly #compress: ChunkCompressor | undefined;
  readonly #header: McapTypes.Header;
  readonly #schemas = new Map<number, McapTypes.Schema>();
  readonly #channels = new Map<number, McapTypes.Channel>();
  readonly #written = { schemas: new Set<number>(), channels: new Set<number>() };
  readonly #chunkIndexes: McapTypes.ChunkIndex[] = [];
  readonly #stats: McapTypes.Statistics = {
    messageCount: 0n,
    schemaCount: 0,
    channelCount: 0,
    attachmentCount: 0,
    metadataCount: 0,
    chunkCount: 0,
    messageStartTime: 0n,
    messageEndTime: 0n,
    channelMessageCounts: new Map(),
  };
  readonly #metadataIndexes: McapTypes.MetadataIndex[] = [];
  #dataCrc = crc32Init();
  #chunkOpenedAt: bigint | undefined;
  #state: 'new' | 'open' | 'ended' = 'new';

  constructor(options: ChunkedMcapWriterOptions) {
    this.#w = options.writable;
    this.#chunkBytes = options.chunkBytes ?? 1024 * 1024;
    this.#chunkAgeNs = BigInt(Math.round((options.chunkSeconds ?? 1) * 1e9));
    this.#clock = options.clockNs ?? process.hrtime.bigint;
    this.#compress = options.compress;
    this.#header = { profile: options.profile ?? '', library: options.library };
  }

  /** Writes the magic and header. */
  async start(): Promise<void> {
    this.#expect('new', 'start');
    this.#records.writeMagic();
    this.#records.writeHeader(this.#header);
    await this.#emitData();
    this.#state = 'open';
  }

  /** Registers a schema (written lazily, into the chunk of its first message) and returns its id. */
  registerSchema(info: Omit<McapTypes.Schema, 'id'>): number {
    const id = this.#schemas.size + 1;
    this.#schemas.set(id, { ...info, id });
    this.#stats.schemaCount++;
    return id;
  }

  /** Registers a channel and returns its id. */
  registerChannel(info: Omit<McapTypes.Channel, 'id'>): number {
    const id = this.#channels.size;
    this.#channels.set(id, { ...info, id });
    this.#stats.channelCount++;
    return id;
  }

  /** Adds a message to the open chunk; closes the chunk first when full, after when old enough. */
  async addMessage(message: McapTypes.Message): Promise<void> {
    this.#expect('open', 'addMessage');
    const channel = this.#channels.get(message.channelId);
    if (!channel) {
      throw new GailBridgeError('state', `MCAP writer: message on unregistered channel ${message.channelId}`);
    }
    // A chunk closes before a message that would take it past the bound (a lone larger message still goes
    // in, alone). Record sizes from the MCAP spec: opcode + length prefix, fixed fields, prefixed strings.
    const schema = channel.schemaId !== 0 ? this.#schemas.get(channel.schemaId) : undefined;
    let size = 9 + 22 + message.data.byteLength;
    if (schema && !this.#written.schemas.has(schema.id)) {
      size +=
        9 + 2 + 4 + schema.name.length * 3 + 4 + schema.encoding.length * 3 + 4 + schema.data.byteLength;
    }
    if (!this.#written.channels.has(channel.id)) {
      size += 9 + 4 + 4 + channel.topic.length * 3 + 4 + channel.messageEncoding.length * 3 + 4;
      for (const [k, v] of channel.metadata) size += 8 + (k.length + v.length) * 3;
    }
    if (this.#chunk.numMessages > 0 && this.#chunk.byteLength + size > this.#chunkBytes) {
      await this.flushChunk();
    }
    // Schema and channel records go into the chunk of their first message (and the summary), as McapWriter
    // does; a stream reader, and so `inspect --repair`, meets them before any message that needs them.
    if (schema && !this.#written.schemas.has(schema.id)) {
      this.#chunk.addSchema(schema);
      this.#written.schemas.add(schema.id);
    }
    if (!this.#written.channels.has(channel.id)) {
      this.#chunk.addChannel(channel);
      this.#written.channels.add(channel.id);
    }
    const s = this.#stats;
    if (s.messageCount === 0n || message.logTime < s.messageStartTime) s.messageStartTime = message.logTime;
    if (s.messageCount === 0n || message.logTime > s.messageEndTime) s.messageEndTime = message.logTime;
    s.messageCount++;
    s.channelMessageCounts.set(message.channelId, (s.channelMessageCounts.get(message.channelId) ?? 0n) + 1n);
    this.#chunk.addMessage(message);
    const now = this.#clock();
    this.#chunkOpenedAt ??= now;
    if (now - this.#chunkOpenedAt >= this.#chunkAgeNs) {
      await this.flushChunk();
    }
  }

  /** Writes a Metadata record (outside chunks) and indexes it. */
  async addMetadata(metadata: McapTypes.Metadata): Promise<void> {
    this.#expect('open', 'addMetadata');
    await this.flushChunk();
    const offset = this.#w.position();
    const length = this.#records.writeMetadata(metadata);
    this.#metadataIndexes.push({ offset, length, name: metadata.name });
    this.#stats.metadataCount++;
    await this.#emitData();
  }

  /** Closes the open chunk (if it holds messages) and writes it with its message indexes. */
  async flushChunk(): Promise<void> {
    if (this.#chunk.numMessages === 0) return;
    const data = this.#chunk.buffer;
    const { compression, compressedData } = this.#compress?.(data) ?? {
      compression: '',
      compressedData: data,
    };
    const chunk: McapTypes.Chunk = {
      messageStartTime: this.#chunk.messageStartTime,
      messageEndTime: this.#chunk.messageEndTime,
      uncompressedSize: BigInt(data.byteLength),
      uncompressedCrc: crc32(data),
      compression,
      records: compressedData,
    };
    const chunkStartOffset = this.#w.position();
    const chunkLength = this.#records.writeChunk(chunk);
    let messageIndexLength = 0n;
    const messageIndexOffsets = new Map<number, bigint>();
    const messageIndexStart = chunkStartOffset + chunkLength;
    for (const index of this.#chunk.indices) {
      messageIndexOffsets.set(index.channelId, messageIndexStart + messageIndexLength);
      messageIndexLength += this.#records.writeMessageIndex(index);
    }
    this.#chunkIndexes.push({
      messageStartTime: chunk.messageStartTime,
      messageEndTime: chunk.messageEndTime,
      chunkStartOffset,
      chunkLength,
      messageIndexOffsets,
      messageIndexLength,
      compression,
      compressedSize: BigInt(compressedData.byteLength),
      uncompressedSize: chunk.uncompressedSize,
    });
    this.#stats.chunkCount++;
    this.#chunk.reset();
    this.#chunkOpenedAt = undefined;
    await this.#emitData();
  }

  /** Closes the last chunk and writes DataEnd, the summary section, summary offsets and the footer. */
  async end(): Promise<void> {
    this.#expect('open', 'end');
    this.#state = 'ended';
    await this.flushChunk();
    this.#records.writeDataEnd({ dataSectionCrc: crc32Final(this.#dataCrc) });
    await this.#write();
    const summaryStart = this.#w.position();
    const offsets: McapTypes.SummaryOffset[] = [];
    const group = (opcode: Opcode, write: () => bigint): void => {
      const groupStart = summaryStart + BigInt(this.#records.length);
      const groupLength = write();
      if (groupLength > 0n) offsets.push({ groupOpcode: opcode, groupStart, groupLength });
    };
    const each =
      <T>(items: Iterable<T>, writeOne: (item: T) => bigint) =>
      (): bigint => {
        let n = 0n;
        for (const item of items) n += writeOne(item);
        return n;
      };
    group(
      Opcode.SCHEMA,
      each(this.#schemas.values(), (s) => this.#records.writeSchema(s)),
    );
    group(
      Opcode.CHANNEL,
      each(this.#channels.values(), (c) => this.#records.writeChannel(c)),
    );
    group(Opcode.STATISTICS, () => this.#records.writeStatistics(this.#stats));
    group(
      Opcode.METADATA_INDEX,
      each(this.#metadataIndexes, (m) => this.#records.writeMetadataIndex(m)),
    );
    group(
      Opcode.CHUNK_INDEX,
      each(this.#chunkIndexes, (c) => this.#records.writeChunkIndex(c)),
    );
    const summaryOffsetStart = summaryStart + BigInt(this.#records.length);
    for (const o of offsets) this.#records.writeSummaryOffset(o);
    // The footer's CRC covers the summary section through the footer's own first two fields.
    const footerPrefix = new DataView(new ArrayBuffer(1 + 8 + 8 + 8));
    footerPrefix.setUint8(0, Opcode.FOOTER);
    footerPrefix.setBigUint64(1, 8n + 8n + 4n, true);
    footerPrefix.setBigUint64(9, summaryStart, true);
    footerPrefix.setBigUint64(17, summaryOffsetStart, true);
    const summaryCrc = crc32Final(crc32Update(crc32Update(crc32Init(), this.#records.buffer), footerPrefix));
    this.#records.writeFooter({ summaryStart, summaryOffsetStart, summaryCrc });
    this.#records.writeMagic();
    await this.#write();
  }

  #expect(state: 'new' | 'open', op: string): void {
    if (this.#state !== state) {
      throw new GailBridgeError('state', `MCAP writer: ${op}() called when the writer is ${this.#state}`);
    }
  }

  async #emitData(): Promise<void> {
    this.#dataCrc = crc32Update(this.#dataCrc, this.#records.buffer);
    await this.#write();
  }

  async #write(): Promise<void> {
    // The builder's buffer is a view that reset() reuses: hand the sink its own copy.
    const bytes = this.#records.buffer.slice();
    this.#records.reset();
    await this.#w.write(bytes);
  }
}
