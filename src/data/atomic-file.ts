/**
 * The one atomic file writer (DESIGN "Data": checkpoints are written atomically). Policy files, run
 * checkpoints, config.json, report.html, bench results and compacted demo files all go through it, so a
 * crash or a kill at any instant leaves the old file or the new one, never a mix or a half-written file.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileWriteError, GailBridgeError } from '../core/errors.js';

let counter = 0;

/** A temp file name beside `path` (same folder, so the final rename is atomic), unique in this process. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);
}

/**
 * Writes `data` to `path` atomically: a temp file in the same folder, fsync of its data, rename over
 * `path`, then fsync of the folder so that the rename itself survives a power cut. Synchronous, so
 * callers inside a synchronous training round never interleave two writes of one file. Errors name the
 * file; the temp file is removed.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, what = 'file'): void {
  const tmp = tempPathFor(path);
  try {
    const fd = openSync(tmp, 'wx');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let at = 0;
      while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    removeQuietly(tmp);
    throw fileWriteError(what, path, err);
  }
  commitFileAtomic(tmp, path, what);
}

/**
 * The last steps of an atomic write, for files written as streams (a demo file rewritten by a writer):
 * fsync of the finished temp file `tmp` (made by `tempPathFor(path)` and closed), rename over `path`,
 * fsync of the folder. On error the temp file is removed and the error names `path`.
 */
export function commitFileAtomic(tmp: string, path: string, what = 'file'): void {
  try {
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    removeQuietly(tmp);
    throw fileWriteError(what, path, err);
  }
  syncFolder(dirname(path));
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // never made, or already renamed
  }
}

/** fsync of a folder, so that entries renamed into it are on disk. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (err) {
    // Some file systems (and Windows) refuse fsync on a folder; the data itself is already synced.
    if ((err as NodeJS.ErrnoException).code !== 'EISDIR' && (err as NodeJS.ErrnoException).code !== 'EPERM')
      throw new GailBridgeError('file', `${dir}: cannot sync the folder (${(err as Error).message})`, {
        cause: err,
      });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
