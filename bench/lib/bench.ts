/**
 * The contract between `bench/main.ts` and each benchmark file (`bench/<name>.ts`). A bench measures and
 * returns a `BenchReport`; main adds the run's context, prints the table or JSON, and saves the result.
 * Later benches (learn, gail, ros) plug in by exporting `bench` and being listed in main's BENCHES.
 */
import type { BenchReport } from './report.js';

/** Options shared by every bench (`npm run bench -- <name> --help`). */
export interface BenchOptions {
  /** A much smaller run that only checks the bench works; its numbers are not saved. */
  readonly quick: boolean;
  /** Timed repeats per measure (the bench's default when undefined). */
  readonly repeats: number | undefined;
  /** Row keys to run (e.g. task names); all rows when undefined. */
  readonly only: readonly string[] | undefined;
  /** The bench's own flags, as typed after its name (main passes on what it does not know). */
  readonly args: readonly string[];
}

export interface BenchContext {
  readonly options: BenchOptions;
  /** Progress for people, on stderr (stdout stays clean for --json). */
  log(line: string): void;
}

/** One benchmark. */
export interface Bench {
  readonly name: string;
  readonly description: string;
  /** The row keys `--only` accepts, for help and validation. */
  readonly rowKeys: readonly string[];
  run(ctx: BenchContext): Promise<BenchReport>;
}
