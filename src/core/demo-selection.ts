/**
 * Which demonstrations a run learns from, and which of a file's episodes look like failures of the
 * demonstrator. `train --algo gail`, `train --algo bc` and the GAIL bench all choose through
 * `selectDemonstrations`, so `--trajectories`, `--episodes`, `--exclude-failures` and `--min-return`
 * mean the same episodes for each; `inspect` flags failures with the same rule (`suspectedFailures`).
 *
 * Why it matters: GAIL imitates the demonstrator's whole state–action occupancy (Ho & Ermon 2016,
 * Sec. 3), falls included. With absorbing states (Kostrikov et al. 2019) a demonstration that falls
 * early is mostly absorbing time, and teaches the policy that ending is expert-like (issue 17: among the
 * first 4 Ant demonstrations, one falls after 49 steps with return 96 while the others reach ~2000).
 * Demonstrations recorded by people contain such takes; the user should see them and may leave them out.
 */
import { GailBridgeError } from './errors.js';
import { type Trajectory, trajectoryReturn } from './trajectory.js';

/**
 * The failure rule's fraction f: an episode looks like a failure of the demonstrator when it
 * `terminated` and its return is more than f·|median| below the median return of the file's usable
 * episodes (for positive returns: below f = 50% of the median), or — when the file records no rewards —
 * its length is below f times the median length. Truncated episodes are never failures: the
 * demonstrator was stopped, not beaten.
 */
export const FAILURE_FRACTION = 0.5;

/** An episode of a demo file with its index in the file. */
export interface DemoEpisode {
  readonly index: number;
  readonly trajectory: Trajectory;
}

/** The failure rule's numbers for one file (medians over its usable episodes). */
export interface FailureRule {
  readonly fraction: number;
  /** Median return of the usable episodes that record rewards; undefined when none does. */
  readonly medianReturn: number | undefined;
  /** Returns below this mark a terminated episode as a failure: median − fraction·|median|. */
  readonly returnCut: number | undefined;
  readonly medianLength: number;
  /** Without rewards, lengths below this mark a terminated episode as a failure. */
  readonly lengthCut: number;
}

/** An episode that looks like a failure of the demonstrator, and why in words. */
export interface SuspectedFailure {
  readonly index: number;
  readonly steps: number;
  readonly return: number | undefined;
  readonly why: string;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function usable(t: Trajectory): boolean {
  return t.end !== 'diverged' && t.length > 0;
}

/** The failure rule's medians and cuts over the usable episodes of `episodes` (a whole demo file). */
export function failureRule(episodes: readonly DemoEpisode[], fraction = FAILURE_FRACTION): FailureRule {
  const ok = episodes.filter((e) => usable(e.trajectory));
  const returns = ok.flatMap((e) => {
    const r = trajectoryReturn(e.trajectory);
    return r === undefined ? [] : [r];
  });
  const medianReturn = returns.length > 0 ? median(returns) : undefined;
  const medianLength = ok.length > 0 ? median(ok.map((e) => e.trajectory.length)) : 0;
  return {
    fraction,
    medianReturn,
    returnCut: medianReturn === undefined ? undefined : medianReturn - fraction * Math.abs(medianReturn),
    medianLength,
    lengthCut: fraction * medianLength,
  };
}

/** Why `e` looks like a failure under `rule`, or undefined when it does not. */
export function failureReason(e: DemoEpisode, rule: FailureRule): string | undefined {
  const t = e.trajectory;
  if (t.end !== 'terminated' || !usable(t)) return undefined;
  const r = trajectoryReturn(t);
  const pct = `${Math.round(rule.fraction * 100)}%`;
  if (r !== undefined && rule.returnCut !== undefined)
    return r < rule.returnCut
      ? `terminated after ${t.length} steps with return ${r.toFixed(1)}, below ${rule.returnCut.toFixed(1)} ` +
          `(the median ${rule.medianReturn!.toFixed(1)} less ${pct} of it)`
      : undefined;
  return t.length < rule.lengthCut
    ? `terminated after ${t.length} steps, under ${pct} of the median length ${rule.medianLength} (no rewards recorded)`
    : undefined;
}

/** The episodes of a demo file that look like failures of the demonstrator (see FAILURE_FRACTION). */
export function suspectedFailures(
  episodes: readonly DemoEpisode[],
  rule: FailureRule = failureRule(episodes),
): SuspectedFailure[] {
  return episodes.flatMap((e) => {
    const why = failureReason(e, rule);
    return why === undefined
      ? []
      : [{ index: e.index, steps: e.trajectory.length, return: trajectoryReturn(e.trajectory), why }];
  });
}

/** Which episodes to learn from; every field optional (all usable episodes of the file). */
export interface DemoSelectionOptions {
  /** File indices to choose from, in this order (`--episodes 0,2,5`); undefined: the whole file. */
  readonly episodes?: readonly number[] | undefined;
  /** Keep the first N usable episodes of those (`--trajectories N`); undefined: all. */
  readonly first?: number | undefined;
  /** Leave out the suspected failures among them (`--exclude-failures`). */
  readonly excludeFailures?: boolean | undefined;
  /** Leave out those whose recorded return is below this (`--min-return R`). */
  readonly minReturn?: number | undefined;
}

/** Why an episode that was a candidate is not used. */
export const LEFT_OUT_REASONS = {
  diverged: 'the simulation blew up while it was recorded',
  empty: 'it has no steps',
  failure: 'it looks like a failure of the demonstrator (--exclude-failures)',
  'min-return': 'its return is below --min-return',
} as const;
export type LeftOutReason = keyof typeof LEFT_OUT_REASONS;

export interface LeftOutEpisode {
  readonly index: number;
  readonly reason: LeftOutReason;
  readonly detail: string;
}

/** The outcome of `selectDemonstrations`: what is used, what was left out and why, what looks failed. */
export interface DemoSelection {
  /** The episodes to learn from, in order. */
  readonly used: readonly DemoEpisode[];
  /** Candidates that are not used, with the reason. */
  readonly leftOut: readonly LeftOutEpisode[];
  /** Suspected failures among the candidates, with whether they are used. */
  readonly failures: readonly (SuspectedFailure & { readonly used: boolean })[];
  readonly rule: FailureRule;
}

/**
 * Chooses the demonstrations, in this order: the candidates (`episodes`, or the whole file), the
 * usable ones among them (not diverged, not empty; the unusable ones met on the way are listed as left
 * out), the first `first` of those, then the exclusions (`excludeFailures`, `minReturn`). The failure
 * rule's medians are the whole file's. Throws a `config` error naming the flag when an index is out of
 * range, `minReturn` meets an episode without rewards, or nothing is left.
 */
export function selectDemonstrations(
  file: readonly DemoEpisode[],
  options: DemoSelectionOptions = {},
  source = 'the demo file',
): DemoSelection {
  const rule = failureRule(file);
  let candidates: readonly DemoEpisode[] = file;
  if (options.episodes !== undefined) {
    const byIndex = new Map(file.map((e) => [e.index, e]));
    const seen = new Set<number>();
    candidates = options.episodes.map((i) => {
      const e = byIndex.get(i);
      if (!Number.isInteger(i) || e === undefined)
        throw new GailBridgeError(
          'config',
          `--episodes: ${source} has no episode ${i} (its episodes are ${describeRange(file.map((x) => x.index))})`,
        );
      if (seen.has(i)) throw new GailBridgeError('config', `--episodes: episode ${i} is named twice`);
      seen.add(i);
      return e;
    });
  }
  const leftOut: LeftOutEpisode[] = [];
  const chosen: DemoEpisode[] = [];
  for (const e of candidates) {
    if (options.first !== undefined && chosen.length >= options.first) break;
    const t = e.trajectory;
    if (t.end === 'diverged')
      leftOut.push({ index: e.index, reason: 'diverged', detail: `diverged after ${t.length} steps` });
    else if (t.length === 0) leftOut.push({ index: e.index, reason: 'empty', detail: 'no steps' });
    else chosen.push(e);
  }
  const used: DemoEpisode[] = [];
  const failures: (SuspectedFailure & { used: boolean })[] = [];
  for (const e of chosen) {
    const why = failureReason(e, rule);
    const r = trajectoryReturn(e.trajectory);
    let out: LeftOutEpisode | undefined;
    if (why !== undefined && options.excludeFailures === true)
      out = { index: e.index, reason: 'failure', detail: why };
    else if (options.minReturn !== undefined) {
      if (r === undefined)
        throw new GailBridgeError(
          'config',
          `--min-return: episode ${e.index} of ${source} records no rewards, so its return is unknown; ` +
            'choose episodes with --episodes instead',
        );
      if (r < options.minReturn)
        out = {
          index: e.index,
          reason: 'min-return',
          detail: `return ${r.toFixed(1)} < --min-return ${options.minReturn}`,
        };
    }
    if (why !== undefined)
      failures.push({ index: e.index, steps: e.trajectory.length, return: r, why, used: out === undefined });
    if (out) leftOut.push(out);
    else used.push(e);
  }
  if (used.length === 0)
    throw new GailBridgeError(
      'config',
      `${source}: no demonstrations left to learn from` +
        (leftOut.length > 0
          ? ` (left out: ${leftOut.map((l) => `episode ${l.index}, ${l.detail}`).join('; ')})`
          : '') +
        '; choose others with --episodes or --trajectories, or relax --min-return / --exclude-failures',
    );
  return { used, leftOut, failures, rule };
}

/** "0–24" for consecutive indices, else a list. */
function describeRange(indices: readonly number[]): string {
  if (indices.length === 0) return 'none';
  const lo = Math.min(...indices);
  const hi = Math.max(...indices);
  return hi - lo + 1 === indices.length ? `${lo}–${hi}` : indices.join(', ');
}

/** The selection as a JSON-ready record for a run's config.json (indices, reasons, the rule's numbers). */
export function selectionRecord(s: DemoSelection): {
  used: number[];
  leftOut: LeftOutEpisode[];
  suspectedFailures: { index: number; used: boolean; why: string }[];
  failureRule: FailureRule;
} {
  return {
    used: s.used.map((e) => e.index),
    leftOut: [...s.leftOut],
    suspectedFailures: s.failures.map((f) => ({ index: f.index, used: f.used, why: f.why })),
    failureRule: s.rule,
  };
}

/** Lines for the user: which episodes are used, what was left out, which used ones look failed. */
export function describeSelection(s: DemoSelection): string[] {
  const lines = [`demos: episodes ${s.used.map((e) => e.index).join(', ')} used`];
  for (const l of s.leftOut) lines.push(`demos: left out episode ${l.index}: ${l.detail}`);
  for (const f of s.failures)
    if (f.used)
      lines.push(
        `demos: episode ${f.index} looks like a failure of the demonstrator (${f.why}); ` +
          'it is used; --exclude-failures leaves it out',
      );
  return lines;
}

/** The demonstration choice a command's settings carry (config.json), named as BC, GAIL and DAgger store it. */
export interface DemoChoiceSettings {
  /** Demo file (MCAP). */
  readonly demos: string;
  /** Use only the first N usable demonstrations (`--trajectories`); undefined: all. */
  readonly demoTrajectories: number | undefined;
  /** Choose from these episode indices (`--episodes`); undefined: the whole file. */
  readonly demoEpisodes: readonly number[] | undefined;
  /** Leave out suspected failures of the demonstrator (`--exclude-failures`). */
  readonly excludeFailures: boolean;
  /** Leave out episodes whose return is below this (`--min-return`); undefined: none. */
  readonly minReturn: number | undefined;
}

/** `selectDemonstrations` with a command's settings; says what it used (and left out) through `log`. */
export function chooseDemonstrations(
  episodes: readonly DemoEpisode[],
  s: DemoChoiceSettings,
  log: (line: string) => void,
): DemoSelection {
  const selection = selectDemonstrations(
    episodes.map((e) => ({ index: e.index, trajectory: e.trajectory })),
    {
      episodes: s.demoEpisodes,
      first: s.demoTrajectories,
      excludeFailures: s.excludeFailures,
      minReturn: s.minReturn,
    },
    s.demos,
  );
  for (const line of describeSelection(selection)) log(line);
  return selection;
}
