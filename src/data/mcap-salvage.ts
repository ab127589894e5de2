/**
 * Reads what survives of a damaged MCAP file (`inspect --repair`): every top-level record that parses, the
 * contents of every chunk whose CRC checks, and a `Damage` marker for each stretch of bytes that could not
 * be read, in file order. Where `readMcapRecords` stops at the first damage, this reads past it.
 *
 * Resynchronising after damage (MCAP spec, "Records", "Chunk", "Summary Section"):
 * - with an intact summary section (footer, summary CRC), its chunk index gives each chunk's offset: the
 *   read goes on at the first indexed chunk after the damage;
 * - without one (a file cut short, a damaged summary), the bytes after the damage are scanned for the next
 *   offset that holds a Chunk record (opcode 0x06, a length inside the file) whose CRC checks, since a CRC
 *   is what tells a real record from bytes that happen to look like one.
 * Records outside chunks that follow damage (message indexes, metadata) are lost with it; gail-bridge
 * writes its own metadata before the first chunk.
 *
 * A chunk's messages need their Channel records, which MCAP writes into the chunk of each channel's first
 * message: when that chunk is the damaged one, the summary's copies stand in, else `fallback` (the
 * channels a known writer always registers, e.g. the demo file layout).
 *
 * The file is read whole into memory (repair is a one-off recovery; demo files are megabytes).
 */
import { crc32 } from '@foxglove/crc';
import { McapRecordBuilder, McapStreamReader, type McapTypes, Opcode } from '@mcap/core';
import { GailBridgeError } from '../core/errors.js';
import { type ByteSource, readPieces, sourceName } from './byte-io.js';
import {
  assertMcapMagic,
  chunkSizeCheck,
  DEFAULT_MAX_RECORD_BYTES,
  decompressHandlers,
  loadCodecs,
  type McapReadLimits,
} from './mcap-read.js';

/** A stretch of the file that could not be read: bytes [start, end) and why. */
export interface McapDamage {
  readonly type: 'Damage';
  readonly start: number;
  readonly end: number;
  readonly reason: string;
}

/** Schemas and channels to assume when a chunk's messages arrive and no Channel record for them survived. */
export interface SalvageFallback {
  readonly schemas: readonly McapTypes.Schema[];
  readonly channels: readonly McapTypes.Channel[];
}

/** What the salvage learnt from the summary section, filled in before the first record is yielded. */
export interface SalvageReport {
  /** Whether an intact summary section (with its chunk index) was found. */
  indexed: boolean;
  /** Messages per channel id, from the summary's Statistics record (what the writer wrote). */
  channelMessageCounts: ReadonlyMap<number, bigint> | undefined;
}

/** Largest file salvaged (read whole into memory). */
export const MAX_SALVAGE_BYTES = 2 * 1024 ** 3;

const MCAP_MAGIC_BYTES = 8;
/** Opcode (1) + record length (8). */
const RECORD_PREFIX = 9;
/** Footer: prefix + summary start (8) + summary offset start (8) + summary CRC (4). */
const FOOTER_BYTES = RECORD_PREFIX + 20;

type SchemaRecord = Extract<McapTypes.TypedMcapRecord, { type: 'Schema' }>;
type ChannelRecord = Extract<McapTypes.TypedMcapRecord, { type: 'Channel' }>;

interface Summary {
  readonly start: number;
  readonly schemas: SchemaRecord[];
  readonly channels: ChannelRecord[];
  readonly chunkStarts: number[];
  counts: Map<number, bigint> | undefined;
}

async function readAll(source: ByteSource, what: string): Promise<Uint8Array> {
  if (typeof source !== 'string') return source;
  const pieces: Uint8Array[] = [];
  let total = 0;
  for await (const piece of readPieces(source, undefined, what)) {
    total += piece.byteLength;
    if (total > MAX_SALVAGE_BYTES)
      throw new GailBridgeError(
        'file',
        `${source}: over ${MAX_SALVAGE_BYTES / 1024 ** 3} GiB, too large to repair in memory`,
      );
    pieces.push(piece);
  }
  return Buffer.concat(pieces);
}

/**
 * Streams the records of `source` as `readMcapRecords` does (chunks opened, their Chunk records not
 * yielded), with a `Damage` marker wherever bytes could not be read. Throws only for a file that is not
 * MCAP at all. `report` is filled in from the summary section before the first record.
 */
export async function* salvageMcapRecords(
  source: ByteSource,
  limits: McapReadLimits & { readonly fallback?: SalvageFallback } = {},
  report: SalvageReport = { indexed: false, channelMessageCounts: undefined },
): AsyncGenerator<McapTypes.TypedMcapRecord | McapDamage> {
  const name = sourceName(source);
  const what = limits.what ?? 'MCAP file';
  const maxRecord = limits.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const handlers = decompressHandlers(chunkSizeCheck(name, limits.maxChunkBytes ?? DEFAULT_MAX_RECORD_BYTES));
  await assertMcapMagic(source, what);
  await loadCodecs();
  const bytes = await readAll(source, what);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  const schemas = new Map<number, McapTypes.Schema>();
  const channels = new Map<number, McapTypes.Channel>();
  const summary = readSummary(bytes, view, handlers);
  report.indexed = summary !== undefined;
  report.channelMessageCounts = summary?.counts;
  for (const s of summary?.schemas ?? []) {
    schemas.set(s.id, s);
    yield s;
  }
  for (const c of summary?.channels ?? []) {
    channels.set(c.id, c);
    yield c;
  }
  const dataEnd = summary?.start ?? bytes.byteLength;

  /** The records of the one top-level record at [pos, end), or an Error saying why it cannot be read. */
  const parseAt = (pos: number, end: number, known: readonly McapTypes.Channel[]) => {
    const reader = new McapStreamReader({
      noMagicPrefix: true,
      includeChunks: true,
      validateCrcs: true,
      decompressHandlers: handlers,
    });
    const prefix = new McapRecordBuilder();
    for (const c of known) prefix.writeChannel(c);
    const records: McapTypes.TypedMcapRecord[] = [];
    try {
      reader.append(prefix.buffer.slice());
      reader.append(bytes.subarray(pos, end));
      for (let r = reader.nextRecord(); r !== undefined; r = reader.nextRecord()) records.push(r);
      if (reader.bytesRemaining() !== 0) throw new Error('the record is incomplete');
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
    const own = records.slice(known.length);
    const chunk = own.find((r) => r.type === 'Chunk');
    if (chunk?.type === 'Chunk' && limits.requireCrcs && chunk.uncompressedCrc === 0)
      return new Error(
        'a chunk without a CRC (gail-bridge writes one in every chunk, so the file was altered)',
      );
    return own.filter((r) => r.type !== 'Chunk');
  };

  /** Parses the record at `pos`, falling back to the writer's known channels when the chunk needs them. */
  const readAt = (
    pos: number,
  ): { records: McapTypes.TypedMcapRecord[]; next: number } | { error: string } => {
    if (pos + RECORD_PREFIX > dataEnd) return { error: 'the file ends inside a record' };
    const length = view.getBigUint64(pos + 1, true);
    if (length > BigInt(maxRecord))
      return { error: `a record length of ${length} bytes, over the limit of ${maxRecord}` };
    const end = pos + RECORD_PREFIX + Number(length);
    if (end > dataEnd) return { error: 'a record runs past the end of the data' };
    let parsed = parseAt(pos, end, [...channels.values()]);
    if (parsed instanceof Error && /without prior channel record/.test(parsed.message) && limits.fallback) {
      const extra = limits.fallback.channels.filter((c) => !channels.has(c.id));
      const retry = parseAt(pos, end, [...channels.values(), ...extra]);
      if (!(retry instanceof Error)) {
        const extraSchemas = limits.fallback.schemas.filter((s) => !schemas.has(s.id));
        parsed = [
          ...extraSchemas.map((x): SchemaRecord => ({ ...x, type: 'Schema' })),
          ...extra.map((x): ChannelRecord => ({ ...x, type: 'Channel' })),
          ...retry,
        ];
      }
    }
    if (parsed instanceof Error) return { error: parsed.message };
    return { records: parsed, next: end };
  };

  /** The next offset after `from` where a readable chunk starts (by the chunk index, else by scanning). */
  const resync = (from: number): number | undefined => {
    if (summary) return summary.chunkStarts.find((s) => s >= from);
    for (let p = from; p + RECORD_PREFIX <= dataEnd; p++) {
      if (bytes[p] !== Opcode.CHUNK) continue;
      const length = view.getBigUint64(p + 1, true);
      if (length > BigInt(dataEnd - p - RECORD_PREFIX)) continue;
      const r = readAt(p);
      if ('records' in r) return p;
    }
    return undefined;
  };

  let pos = MCAP_MAGIC_BYTES;
  let ended = false;
  while (pos < dataEnd) {
    const opcode = bytes[pos];
    // (A damaged byte can look like the end: with a chunk index, an end before the last chunk is not one.)
    const chunksAfter = summary?.chunkStarts.some((c) => c > pos) ?? false;
    if ((opcode === Opcode.DATA_END || opcode === Opcode.FOOTER) && !chunksAfter) {
      ended = true;
      break;
    }
    const r = readAt(pos);
    if ('records' in r) {
      for (const rec of r.records) {
        if (rec.type === 'Schema') schemas.set(rec.id, rec);
        if (rec.type === 'Channel') channels.set(rec.id, rec);
        yield rec;
      }
      pos = r.next;
      continue;
    }
    const next = resync(pos + 1);
    const end = next ?? dataEnd;
    const truncated = next === undefined && summary === undefined;
    yield {
      type: 'Damage',
      start: pos,
      end,
      reason: truncated
        ? `the file is truncated or damaged from byte ${pos} to its end (${end - pos} bytes: ${r.error}; no footer)`
        : `bytes ${pos}–${end} are damaged (${r.error})`,
    };
    if (next === undefined) return;
    pos = next;
  }
  // Complete records up to the end, but no data end or footer: a writer killed between two chunks.
  if (!ended && summary === undefined)
    yield {
      type: 'Damage',
      start: pos,
      end: pos,
      reason: `the file is truncated: it ends after ${pos} bytes of complete records and has no footer`,
    };
}

/**
 * The summary section, when the footer is intact and the summary's CRC checks: its schemas, channels,
 * chunk offsets and statistics. Undefined otherwise (a file cut short, or damage there).
 */
function readSummary(
  bytes: Uint8Array,
  view: DataView,
  handlers: ReturnType<typeof decompressHandlers>,
): Summary | undefined {
  const footerAt = bytes.byteLength - MCAP_MAGIC_BYTES - FOOTER_BYTES;
  if (footerAt < MCAP_MAGIC_BYTES || bytes[footerAt] !== Opcode.FOOTER) return undefined;
  if (view.getBigUint64(footerAt + 1, true) !== 20n) return undefined;
  const start = Number(view.getBigUint64(footerAt + RECORD_PREFIX, true));
  const crc = view.getUint32(footerAt + RECORD_PREFIX + 16, true);
  if (start === 0 || start < MCAP_MAGIC_BYTES || start > footerAt) return undefined;
  if (crc !== 0 && crc32(bytes.subarray(start, footerAt + RECORD_PREFIX + 16)) !== crc) return undefined;
  const reader = new McapStreamReader({ noMagicPrefix: true, decompressHandlers: handlers });
  const out: Summary = { start, schemas: [], channels: [], chunkStarts: [], counts: undefined };
  try {
    reader.append(bytes.subarray(start, footerAt));
    for (let r = reader.nextRecord(); r !== undefined; r = reader.nextRecord()) {
      if (r.type === 'Schema') out.schemas.push(r);
      else if (r.type === 'Channel') out.channels.push(r);
      else if (r.type === 'ChunkIndex') out.chunkStarts.push(Number(r.chunkStartOffset));
      else if (r.type === 'Statistics')
        out.counts = new Map([...r.channelMessageCounts].map(([id, n]) => [id, n]));
    }
  } catch {
    return undefined;
  }
  out.chunkStarts.sort((a, b) => a - b);
  return out;
}
