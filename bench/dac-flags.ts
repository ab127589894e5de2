/**
 * The dac bench's own flags in words: shown by `npm run bench -- --help` (main.ts, which must not load
 * the bench to list it) and in the bench's own errors (dac.ts). One copy for both.
 */
export const DAC_BENCH_FLAGS_HELP =
  '--tasks hopper,half-cheetah,walker2d (default hopper), --seeds N (default 3), --first-seed S (default 0), --steps N (default 300000), --trajectories T (default 4), --subsample K (default 20), --runs-dir DIR (default runs/bench-dac; a folder with a checkpoint is continued, a finished one only evaluated)';
