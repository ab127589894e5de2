/**
 * evaluation.json of a run folder: the deterministic evaluation of policy.policy that the training
 * command makes once the run has ended (on the task's true reward, fixed seeds), so report.html and the
 * view can draw it as the run's final line. Absent while the run goes on, after a stop, and for runs
 * without a reward (a --model robot).
 *
 *   {"format": "gail-bridge evaluation", "version": 1, "policy": "policy.policy", "mean": 1000, "std": 0,
 *    "envSteps": 50000, "round": 25, "date": "2026-…"}
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../data/atomic-file.js';
import { runPath } from './folder.js';

/** The final evaluation of a run. */
export interface FinalEvaluation {
  /** Mean and standard deviation of the return over the evaluation episodes. */
  readonly mean: number;
  readonly std: number;
  /** Env steps and rounds the evaluated policy was trained for. */
  readonly envSteps: number;
  readonly round: number;
  /** ISO 8601, when it was made. */
  readonly date: string;
}

const FORMAT = 'gail-bridge evaluation';

/** Writes evaluation.json into the run folder `dir` (the project's one atomic writer). */
export function writeFinalEvaluation(dir: string, e: FinalEvaluation): void {
  const file = { format: FORMAT, version: 1, policy: 'policy.policy', ...e };
  writeFileAtomic(runPath(dir, 'evaluation'), `${JSON.stringify(file, null, 2)}\n`);
}

/** evaluation.json of `dir`, or undefined when there is none or it is not one (it is only shown). */
export function readFinalEvaluation(dir: string): FinalEvaluation | undefined {
  const path = runPath(dir, 'evaluation');
  if (!existsSync(path)) return undefined;
  try {
    const e = JSON.parse(readFileSync(path, 'utf8')) as Partial<FinalEvaluation> & { format?: unknown };
    if (e.format !== FORMAT || typeof e.mean !== 'number' || typeof e.std !== 'number') return undefined;
    return {
      mean: e.mean,
      std: e.std,
      envSteps: Number(e.envSteps ?? Number.NaN),
      round: Number(e.round ?? Number.NaN),
      date: String(e.date ?? ''),
    };
  } catch {
    return undefined;
  }
}
