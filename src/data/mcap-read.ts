/**
 * Reads the records of an untrusted MCAP file as a stream, bounded in time and memory
 * (specs/failure-cases.md, "Untrusted files"):
 *
 * - the first bytes are checked: an empty file, a SQLite (rosbag2 .db3) file and anything without the MCAP
 *   magic are told apart, whatever the file is named;
 * - a record whose length runs past `maxRecordBytes` is an error as soon as that many bytes are buffered
 *   (`McapStreamReader` would otherwise wait for 2^40 bytes, buffering the whole file);
 * - a chunk whose declared uncompressed size exceeds `maxChunkBytes` is refused before decompressing;
 * - chunk CRCs are checked by `McapStreamReader`; a chunk without a CRC is refused when `requireCrcs`;
 * - the end of the input without a footer is truncation (the stream reader returns a truncated file's
 *   complete chunks without error; its `done()` tells).
 *
 * Every failure is a `GailBridgeError('file')` naming the file and the byte offset reached.
 */
import decompressLz4 from '@foxglove/wasm-lz4';
import * as zstd from '@foxglove/wasm-zstd';
import { McapStreamReader, type McapTypes } from '@mcap/core';
import { GailBridgeError } from '../core/errors.js';
import { type ByteSource, readPieces, readPrefix, sourceName } from './byte-io.js';

export interface McapReadLimits {
  /** Largest record accepted, in bytes (a chunk counts compressed). Default 256 MiB. */
  readonly maxRecordBytes?: number;
  /** Largest declared uncompressed chunk, in bytes. Default 256 MiB. */
  readonly maxChunkBytes?: number;
  /** Refuse chunks whose CRC field is 0 ("not computed"). Default false (demo reads: true). */
  readonly requireCrcs?: boolean;
  /** Names the file in errors that are not about its content ("demo file", "bag file"). Default "MCAP file". */
  readonly what?: string;
}

const MIB = 1024 * 1024;
const MCAP_MAGIC = Uint8Array.from([0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a]);
const SQLITE_MAGIC = new TextEncoder().encode('SQLite format 3\0');

/** Resolves once the WASM decompressors are ready; call before reading compressed chunks. */
export async function loadCodecs(): Promise<void> {
  await Promise.all([zstd.isLoaded, decompressLz4.isLoaded]);
}

/** Throws a `file` error for a chunk declaring more than `maxChunk` uncompressed bytes. */
export function chunkSizeCheck(name: string, maxChunk: number): (size: bigint, compression: string) => void {
  return (size, compression) => {
    if (size > BigInt(maxChunk)) {
      throw new GailBridgeError(
        'file',
        `${name}: a ${compression} chunk declares ${size} uncompressed bytes, over the limit of ${maxChunk}`,
      );
    }
  };
}

/** zstd and lz4 decompressors for `McapStreamReader`, each refusing oversized chunks before decompressing. */
export function decompressHandlers(
  checkSize: (size: bigint, compression: string) => void,
): Record<string, (data: Uint8Array, size: bigint) => Uint8Array> {
  return {
    zstd: (data, size) => {
      checkSize(size, 'zstd');
      return zstd.decompress(data, Number(size));
    },
    lz4: (data, size) => {
      checkSize(size, 'lz4');
      return decompressLz4(data, Number(size));
    },
  };
}

/** Default of `McapReadLimits.maxRecordBytes` and `maxChunkBytes`. */
export const DEFAULT_MAX_RECORD_BYTES = 256 * MIB;

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.byteLength < prefix.byteLength) return false;
  return prefix.every((b, i) => bytes[i] === b);
}

/**
 * Checks the first bytes of `source`: returns when it starts with the MCAP magic, else throws a `file`
 * error saying what it is (empty, a SQLite rosbag2 bag, or not MCAP).
 */
export async function assertMcapMagic(source: ByteSource, what = 'MCAP file'): Promise<void> {
  const name = sourceName(source);
  const head = await readPrefix(source, 16, what);
  if (head.byteLength === 0) throw new GailBridgeError('file', `${name}: the file is empty`);
  if (startsWith(head, SQLITE_MAGIC)) {
    throw new GailBridgeError(
      'file',
      `${name}: this is a rosbag2 bag in sqlite3 storage (.db3), which gail-bridge does not read. ` +
        'Convert it to MCAP with ROS 2: `ros2 bag convert -i BAG -o out.yaml` where out.yaml says ' +
        '`output_bags: [{uri: BAG_mcap, storage_id: mcap}]`, then import BAG_mcap.',
    );
  }
  if (!startsWith(head, MCAP_MAGIC)) {
    const shown = head.byteLength < MCAP_MAGIC.byteLength ? `only ${head.byteLength} bytes` : 'other bytes';
    throw new GailBridgeError(
      'file',
      `${name}: not an MCAP file (it does not start with the MCAP magic "\\x89MCAP0\\r\\n"; ${shown})`,
    );
  }
}

/** How far a read got, updated as it goes (for reporting what a repair lost). */
export interface McapReadProgress {
  /** Bytes of the file consumed by complete records. */
  bytesRead: number;
  /** Bytes of the file received so far. */
  bytesReceived: number;
}

/**
 * Streams the records of `source`; with `includeChunks`, Chunk records are yielded too (before their
 * contents). Throws a `file` error on corruption, excessive sizes or truncation; a caller that wants
 * everything before the damage (repair) catches the error, having already received the good records.
 */
export async function* readMcapRecords(
  source: ByteSource,
  limits: McapReadLimits = {},
  includeChunks = false,
  progress: McapReadProgress = { bytesRead: 0, bytesReceived: 0 },
): AsyncGenerator<McapTypes.TypedMcapRecord> {
  const name = sourceName(source);
  const maxRecord = limits.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const maxChunk = limits.maxChunkBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const what = limits.what ?? 'MCAP file';
  await assertMcapMagic(source, what);
  await loadCodecs();
  const checkSize = chunkSizeCheck(name, maxChunk);
  const reader = new McapStreamReader({
    includeChunks: true,
    validateCrcs: true,
    decompressHandlers: decompressHandlers(checkSize),
  });
  let appended = 0;
  const offset = (): number => appended - reader.bytesRemaining();
  const fail = (what: string, cause?: unknown): GailBridgeError =>
    cause instanceof GailBridgeError
      ? cause
      : new GailBridgeError('file', `${name}: ${what} at byte ${offset()} of the file`, { cause });
  for await (const piece of readPieces(source, undefined, what)) {
    appended += piece.byteLength;
    progress.bytesReceived = appended;
    try {
      reader.append(piece);
    } catch (err) {
      if (reader.done()) {
        throw fail(`${piece.byteLength} bytes after the MCAP footer`);
      }
      throw fail(`unreadable MCAP data (${(err as Error).message})`, err);
    }
    for (;;) {
      let record: McapTypes.TypedMcapRecord | undefined;
      try {
        record = reader.nextRecord();
      } catch (err) {
        throw fail(`corrupt MCAP record (${(err as Error).message})`, err);
      }
      if (!record) break;
      progress.bytesRead = offset();
      if (record.type === 'Chunk') {
        checkSize(record.uncompressedSize, record.compression || 'uncompressed');
        if (limits.requireCrcs && record.uncompressedCrc === 0) {
          throw fail(
            'a chunk without a CRC (gail-bridge writes one in every chunk, so the file was altered)',
          );
        }
        if (!includeChunks) continue;
      }
      yield record;
    }
    if (!reader.done() && reader.bytesRemaining() > maxRecord) {
      throw fail(`a record longer than the limit of ${maxRecord} bytes (or a corrupt record length)`);
    }
  }
  if (!reader.done()) {
    throw new GailBridgeError(
      'file',
      `${name}: the file is truncated: it ends after ${offset()} bytes of complete records ` +
        `(${reader.bytesRemaining()} bytes of an incomplete record follow) and has no footer`,
    );
  }
}
