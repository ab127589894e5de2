/**
 * The frame around a protobuf payload that policy files and reward files share: a magic, a format
 * version, the payload's length and its SHA-256, checked before any protobuf is decoded, so a truncated,
 * extended, altered or foreign file is refused by its size, magic or hash, never half-parsed.
 *
 *   bytes 0..7    magic (8 ASCII bytes, e.g. "GBPOLICY", "GBREWARD")
 *   bytes 8..11   format version (uint32, little-endian)
 *   bytes 12..15  reserved, 0
 *   bytes 16..23  payload length n (uint64, little-endian)
 *   bytes 24..55  SHA-256 of the payload
 *   bytes 56..    payload, exactly n bytes
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { fileReadError, GailBridgeError } from '../core/errors.js';

/** One kind of framed file. */
export interface FrameKind {
  /** 8 ASCII characters. */
  readonly magic: string;
  readonly version: number;
  /** What the file is called in messages: "policy", "reward". */
  readonly noun: string;
  /** Largest payload read (guards allocation on a corrupt length). */
  readonly maxPayloadBytes: number;
}

/** Bytes before the payload. */
export const FRAME_HEADER_BYTES = 56;

/** Header + `payload`. */
export function encodeFramed(kind: FrameKind, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.byteLength);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(kind.magic), 0);
  view.setUint32(8, kind.version, true);
  view.setBigUint64(16, BigInt(payload.byteLength), true);
  out.set(createHash('sha256').update(payload).digest(), 24);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** The payload of a framed file's bytes, after checking magic, version, length and hash; `what` names it. */
export function decodeFramed(kind: FrameKind, bytes: Uint8Array, what: string): Uint8Array {
  const fail = (msg: string): never => {
    throw new GailBridgeError('file', `${what}: ${msg}`);
  };
  const magic = new TextEncoder().encode(kind.magic);
  if (bytes.byteLength < FRAME_HEADER_BYTES) {
    fail(
      `${bytes.byteLength} bytes is too short for a ${kind.noun} file (its header alone is ${FRAME_HEADER_BYTES})`,
    );
  }
  if (!magic.every((b, i) => bytes[i] === b))
    fail(`not a gail-bridge ${kind.noun} file (no "${kind.magic}" magic)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== kind.version) {
    fail(`${kind.noun} format version ${version} is not supported (this gail-bridge reads ${kind.version})`);
  }
  const length = view.getBigUint64(16, true);
  const actual = BigInt(bytes.byteLength - FRAME_HEADER_BYTES);
  if (length !== actual) {
    fail(
      `the header declares a ${length}-byte payload but ${actual} bytes follow ` +
        `(${length > actual ? 'truncated' : 'extra bytes appended'})`,
    );
  }
  const payload = bytes.subarray(FRAME_HEADER_BYTES);
  const hash = createHash('sha256').update(payload).digest();
  if (!hash.equals(bytes.subarray(24, FRAME_HEADER_BYTES))) {
    fail('SHA-256 mismatch: the file was altered or damaged after it was written');
  }
  return payload;
}

/** Reads a whole framed file (size checked against the kind's limit first); errors name the file. */
export async function readFramedFile(kind: FrameKind, path: string): Promise<Uint8Array> {
  const what = `${kind.noun} file`;
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw fileReadError(what, path, { code: 'EISDIR' });
    size = st.size;
  } catch (err) {
    if (err instanceof GailBridgeError) throw err;
    throw fileReadError(what, path, err);
  }
  if (size > FRAME_HEADER_BYTES + kind.maxPayloadBytes) {
    throw new GailBridgeError('file', `${path}: ${size} bytes is larger than any ${what} gail-bridge writes`);
  }
  try {
    const fh = await open(path, 'r');
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw fileReadError(what, path, err);
  }
}
