/**
 * Byte sinks and sources behind the small interfaces `@mcap/core` uses (STYLE 9): a file sink that knows
 * its position and can be synced, and a reader of a file or in-memory bytes in bounded pieces.
 */
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import type { IWritable } from '@mcap/core';
import { fileReadError, fileWriteError, GailBridgeError } from '../core/errors.js';

/** An `IWritable` over a file opened for writing (created or truncated). Owns the handle. */
export class FileWritable implements IWritable {
  readonly path: string;
  readonly #fh: FileHandle;
  #pos = 0n;
  #closed = false;

  private constructor(path: string, fh: FileHandle) {
    this.path = path;
    this.#fh = fh;
  }

  /** Creates (or truncates) `path` for writing; `what` names it in errors ("output file"). */
  static async create(path: string, what = 'output file'): Promise<FileWritable> {
    try {
      return new FileWritable(
        path,
        await open(path, constants.O_CREAT | constants.O_TRUNC | constants.O_WRONLY),
      );
    } catch (err) {
      throw fileWriteError(what, path, err);
    }
  }

  async write(buffer: Uint8Array): Promise<void> {
    if (this.#closed) throw new GailBridgeError('state', `${this.path}: write after close`);
    let done = 0;
    while (done < buffer.byteLength) {
      const { bytesWritten } = await this.#fh.write(buffer, done, buffer.byteLength - done);
      done += bytesWritten;
    }
    this.#pos += BigInt(buffer.byteLength);
  }

  position(): bigint {
    return this.#pos;
  }

  /** Flushes the file's data to the disk (fsync). */
  async sync(): Promise<void> {
    if (!this.#closed) await this.#fh.sync();
  }

  /** Closes the file; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#fh.close();
  }
}

/** Where bytes come from: a file path, or bytes already in memory. */
export type ByteSource = string | Uint8Array;

/** A display name for error messages. */
export function sourceName(source: ByteSource): string {
  return typeof source === 'string' ? source : `<${source.byteLength} bytes in memory>`;
}

/**
 * Reads `source` in pieces of at most `pieceBytes`, without loading a file whole. `what` names the file in
 * errors ("demo file X is a directory, expected a file").
 */
export async function* readPieces(
  source: ByteSource,
  pieceBytes = 1 << 20,
  what = 'file',
): AsyncGenerator<Uint8Array> {
  if (typeof source !== 'string') {
    for (let i = 0; i < source.byteLength; i += pieceBytes) yield source.subarray(i, i + pieceBytes);
    return;
  }
  let fh: FileHandle;
  try {
    fh = await open(source, 'r');
    // Opening a directory for reading succeeds; its first read would fail with a bare EISDIR.
    if ((await fh.stat()).isDirectory()) {
      await fh.close();
      throw fileReadError(what, source, { code: 'EISDIR' });
    }
  } catch (err) {
    if (err instanceof GailBridgeError) throw err;
    throw fileReadError(what, source, err);
  }
  try {
    for (;;) {
      const buf = new Uint8Array(pieceBytes);
      let bytesRead: number;
      try {
        ({ bytesRead } = await fh.read(buf, 0, pieceBytes, null));
      } catch (err) {
        throw fileReadError(what, source, err);
      }
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/** The first `n` bytes of `source` (fewer if it is shorter); `what` as for `readPieces`. */
export async function readPrefix(source: ByteSource, n: number, what = 'file'): Promise<Uint8Array> {
  if (typeof source !== 'string') return source.subarray(0, n);
  for await (const piece of readPieces(source, n, what)) return piece;
  return new Uint8Array(0);
}
