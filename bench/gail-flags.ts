/**
 * The gail bench's own flags in words: shown by `npm run bench -- --help` (main.ts, which must not load
 * the bench to list it) and in the bench's own error for a bad flag (gail.ts). One copy for both.
 */
export const GAIL_FLAGS_HELP =
  "--tasks hopper,half-cheetah,walker2d (default hopper), --seeds N (default 3), --first-seed S (default 0), --steps N (GAIL env steps per run, default 2000000), --trajectories 4,25, --subsample K (default 1; the paper used 20), --resume (reuse the run folders), --runs-dir DIR (where they go; default runs/bench-gail), --exclude-failures (GAIL and BC leave out demonstrations that look failed), --episodes 0,1,4,5 (GAIL and BC choose from these demo episodes only, the first N of them; as train's), --grad-penalty X, --disc-steps N, --ent-coef X, --label-smoothing X, --spectral-norm (GAIL settings other than train's defaults and the task presets; use another --runs-dir per setting), --workers N (worker threads stepping each GAIL run's envs, default 0; runs are the same with any number)";
