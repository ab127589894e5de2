/**
 * The record every benchmark produces, and the file it is saved as (`bench/results/<name>.json`).
 *
 * A bench returns a `BenchReport` (what it measured, a table of rows × columns, the targets it is held
 * to, notes); `finishReport` adds the run's context (date, exact command, machine, duration) and
 * evaluates the targets, giving the `BenchResult` that is printed and saved. The schema is validated on
 * both sides, so a results file read back later (README tables, comparisons across machines) is known
 * to have the shape below.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { GailBridgeError } from '../../src/core/errors.js';
import type { MachineInfo } from './machine.js';

/** How a column's numbers are shown; the JSON always holds the raw number. One map (STYLE 8). */
export const FORMATS = {
  rate: 'events per second, 3 significant digits with k/M (41.2 k)',
  ratio: 'a dimensionless ratio (1.82×)',
  percent: 'a fraction shown as a signed percentage (0.082 → +8.2%)',
  seconds: 'a duration in seconds, ms or µs',
  count: 'an integer',
  decimal: 'a plain number with 2 decimals (a normalised score: 0.93, -0.12)',
  text: 'free text',
} as const;
export type Format = keyof typeof FORMATS;
const FORMAT_NAMES = Object.keys(FORMATS) as [Format, ...Format[]];

/** A number, a text cell, or null for "not measured" (the notes say why). */
export type CellValue = number | string | null;

const columnSchema = z.object({
  /** Key of the cell in each row. */
  key: z.string().min(1),
  /** Header shown in the table. */
  title: z.string().min(1),
  format: z.enum(FORMAT_NAMES),
  /** Unit of the raw number in the JSON, e.g. "physics steps/s". */
  unit: z.string().optional(),
});
export type Column = z.infer<typeof columnSchema>;

const spreadSchema = z.object({ min: z.number(), max: z.number(), n: z.number().int().positive() });

const rowSchema = z.object({
  /** Stable identifier of the row (e.g. the task name). */
  key: z.string().min(1),
  /** Cells by column key; a column missing here is shown as "n/a". */
  cells: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
  /** Min/max/count of the repeats behind a median cell, by column key. */
  spread: z.record(z.string(), spreadSchema).optional(),
});
export type Row = z.infer<typeof rowSchema>;

const targetSpecSchema = z.object({
  key: z.string().min(1),
  /** What is promised, in words: "Env costs at most 15% over raw WASM stepping". */
  description: z.string().min(1),
  /** The column whose value is held to the threshold. */
  column: z.string().min(1),
  /** atLeast: value ≥ threshold; atMost: value ≤ threshold; above: value > threshold (strictly). */
  comparison: z.enum(['atLeast', 'atMost', 'above']),
  threshold: z.number(),
  /**
   * Keys of the rows the target holds; every row when absent. A listed row that the table lacks (not
   * run, or skipped) gets an outcome of "not measured".
   */
  rows: z.array(z.string().min(1)).optional(),
});
export type TargetSpec = z.infer<typeof targetSpecSchema>;

const outcomeSchema = z.object({
  row: z.string(),
  /** The row's value in the target's column; null when it was not measured. */
  value: z.number().nullable(),
  /** null when not measured. */
  met: z.boolean().nullable(),
});
export type TargetOutcome = z.infer<typeof outcomeSchema>;

const targetSchema = targetSpecSchema.extend({ outcomes: z.array(outcomeSchema) });
export type Target = z.infer<typeof targetSchema>;

const machineSchema = z.object({
  cpuModel: z.string(),
  cores: z.number().int().positive(),
  memoryGiB: z.number().positive(),
  node: z.string(),
  platform: z.string(),
  arch: z.string(),
  backend: z.string(),
  loadAverage: z.object({ start: z.array(z.number()), end: z.array(z.number()) }),
  stealPercent: z.number().nullable().optional(),
});

/** What a bench returns: its measurements, before the run's context is added. */
export interface BenchReport {
  /** Bench name, as on the command line ("sim"). */
  readonly bench: string;
  /** One-line title shown above the table. */
  readonly title: string;
  /** What was measured and how, one sentence per measure (repeats, warm-up, workload). */
  readonly measured: readonly string[];
  /** The compute backend(s) measured, for the machine line (e.g. "@mujoco/mujoco 3.14.0 WASM, 1 thread"). */
  readonly backend: string;
  readonly columns: readonly Column[];
  readonly rows: readonly Row[];
  readonly targets: readonly TargetSpec[];
  /** Anything the reader must know: a missing reference, a failed model load, noisy machine. */
  readonly notes: readonly string[];
  /** Raw samples behind the medians: { row: { measure: [samples] } }. */
  readonly samples: Readonly<Record<string, Readonly<Record<string, readonly number[]>>>>;
  /**
   * Set when the run was cut short (Ctrl-C), saying what was left undone: main prints the table of what
   * finished but does not save it, so a results file never holds a partial run.
   */
  readonly interrupted?: string;
}

export const benchResultSchema = z.object({
  schema: z.literal(1),
  bench: z.string().min(1),
  title: z.string(),
  /** ISO 8601 start time of the run. */
  date: z.string().min(1),
  /** The exact command that produced this file. */
  command: z.string().min(1),
  /** Wall-clock seconds of the whole run. */
  durationS: z.number().nonnegative(),
  machine: machineSchema,
  measured: z.array(z.string()),
  columns: z.array(columnSchema).min(1),
  rows: z.array(rowSchema),
  targets: z.array(targetSchema),
  notes: z.array(z.string()),
  samples: z.record(z.string(), z.record(z.string(), z.array(z.number()))),
});
/** A finished run: the report plus date, command, machine and evaluated targets. Saved as JSON. */
export type BenchResult = z.infer<typeof benchResultSchema>;

/** Context of one run, collected by bench/main.ts. */
export interface RunContext {
  readonly date: Date;
  readonly command: string;
  readonly durationS: number;
  readonly machine: MachineInfo;
}

/** Whether `value` meets `target`; null when the value was not measured. */
export function targetMet(target: TargetSpec, value: CellValue | undefined): boolean | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  switch (target.comparison) {
    case 'atLeast':
      return value >= target.threshold;
    case 'atMost':
      return value <= target.threshold;
    case 'above':
      return value > target.threshold;
  }
}

/** Adds the run context, evaluates every target on every row, and validates the result. */
export function finishReport(report: BenchReport, ctx: RunContext): BenchResult {
  const keys = new Set(report.columns.map((c) => c.key));
  for (const t of report.targets) {
    if (!keys.has(t.column)) {
      throw new GailBridgeError(
        'spec',
        `bench ${report.bench}: target "${t.key}" refers to column "${t.column}", which the table lacks (columns: ${[...keys].join(', ')})`,
      );
    }
  }
  for (const row of report.rows) {
    for (const k of Object.keys(row.cells)) {
      if (!keys.has(k)) {
        throw new GailBridgeError(
          'spec',
          `bench ${report.bench}: row "${row.key}" has a cell "${k}" that is not a column (columns: ${[...keys].join(', ')})`,
        );
      }
    }
  }
  const targets = report.targets.map((t) => ({
    ...t,
    outcomes: (t.rows ?? report.rows.map((r) => r.key)).map((key) => {
      const v = report.rows.find((r) => r.key === key)?.cells[t.column];
      const met = targetMet(t, v);
      return { row: key, value: met === null ? null : (v as number), met };
    }),
  }));
  const result = {
    schema: 1 as const,
    bench: report.bench,
    title: report.title,
    date: ctx.date.toISOString(),
    command: ctx.command,
    durationS: ctx.durationS,
    machine: ctx.machine,
    measured: [...report.measured],
    columns: report.columns.map((c) => ({ ...c })),
    rows: report.rows.map((r) => structuredClone(r)),
    targets,
    notes: [...report.notes],
    samples: structuredClone(report.samples) as Record<string, Record<string, number[]>>,
  };
  return validateBenchResult(result, `bench ${report.bench}`);
}

/** Validates a parsed results object; `where` names its origin (a file path) in the error. */
export function validateBenchResult(data: unknown, where: string): BenchResult {
  const parsed = benchResultSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map(
    (i) => `${i.path.map(String).join('.') || '(top level)'}: ${i.message}`,
  );
  throw new GailBridgeError(
    'file',
    `${where}: not a valid benchmark result (${lines.length} problem${lines.length === 1 ? '' : 's'}):\n  - ${lines.join('\n  - ')}`,
  );
}

/** Reads and validates a results file written by `npm run bench`. */
export function readBenchResult(path: string): BenchResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new GailBridgeError('file', `cannot read benchmark result ${path}: ${String(err)}`, { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new GailBridgeError(
      'file',
      `${path}: not JSON (${(err as Error).message}); rerun the bench to regenerate it`,
      { cause: err },
    );
  }
  return validateBenchResult(data, path);
}
