/**
 * Leaving discarded takes out of a recorded demo file. The recorder writes every take as it happens (so a
 * hard kill loses at most the open chunk) and ends a discarded one `interrupted`; when the recording
 * finishes cleanly, `compactDemoFile` rewrites the file without them, atomically (temp file, fsync,
 * rename: data/atomic-file.ts), so the file on disk is always either the full recording or the compacted
 * one.
 */
import { rm } from 'node:fs/promises';
import { GailBridgeError } from '../core/errors.js';
import { commitFileAtomic, tempPathFor } from '../data/atomic-file.js';
import { newDemoReadReport, readDemoEpisodes } from '../data/demo-reader.js';
import { DemoWriter } from '../data/demo-writer.js';

/** What compaction kept and dropped. */
export interface CompactResult {
  readonly kept: number;
  readonly steps: number;
  /** Episode numbers (as recorded) that were left out. */
  readonly dropped: readonly number[];
}

/**
 * Rewrites the demo file at `path` without the episodes numbered in `discard` (numbers as recorded).
 * Kept episodes are renumbered from 0 in order and carry `recorded_as` in their metadata. With nothing
 * to drop the file is left untouched and the result is undefined.
 */
export async function compactDemoFile(
  path: string,
  discard: ReadonlySet<number>,
): Promise<CompactResult | undefined> {
  if (discard.size === 0) return undefined;
  const tmp = tempPathFor(path);
  const report = newDemoReadReport();
  let writer: DemoWriter | undefined;
  let kept = 0;
  let steps = 0;
  const dropped: number[] = [];
  try {
    for await (const ep of readDemoEpisodes(path, {}, report)) {
      if (discard.has(ep.index)) {
        dropped.push(ep.index);
        continue;
      }
      if (!report.spec) throw new GailBridgeError('file', `${path}: no spec before the first episode`);
      writer ??= await DemoWriter.create(tmp, { spec: report.spec });
      await writer.writeTrajectory(ep.trajectory, { ...ep.metadata, recorded_as: String(ep.index) });
      kept++;
      steps += ep.trajectory.length;
    }
    if (!writer) {
      if (!report.spec) throw new GailBridgeError('file', `${path}: the file carries no spec`);
      writer = await DemoWriter.create(tmp, { spec: report.spec });
    }
    await writer.close();
    commitFileAtomic(tmp, path);
  } catch (err) {
    await writer?.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  return { kept, steps, dropped };
}
