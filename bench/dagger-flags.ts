/**
 * The dagger bench's own flags in words: shown by `npm run bench -- --help` (main.ts, which must not load
 * the bench to list it) and in the bench's own errors (dagger.ts). One copy for both.
 */
export const DAGGER_BENCH_FLAGS_HELP =
  '--task hopper (default), --seeds N (default 3), --rounds K (default 4), --round-steps N (labelled steps per round, default 2000), --trajectories T (default 4), --subsample K (default 20, as the GAIL paper), --eval-episodes E (per round, default 10), --runs-dir DIR (default runs/bench-dagger)';
