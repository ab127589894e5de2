/**
 * The airl bench's own flags in words: shown by `npm run bench -- --help` (main.ts, which must not load
 * the bench to list it) and in the bench's own errors (airl.ts). One copy for both.
 */
export const AIRL_BENCH_FLAGS_HELP =
  '--source ant (default; where the rewards are learned), --target ant-disabled (default; where they are optimised again), --seeds N (default 3), --steps N (each imitation run, default 1000000), --reopt-steps N (each re-optimisation, default --steps), --trajectories T (default 4), --subsample K (default 20), --exclude-failures (default on for ant), --eval-episodes E (default 10), --num-steps N / --policy-lr X / --minibatches N (PPO rollout steps per env, step size and minibatches in every run; default: those of train and expert), --entropy-weight A (the AIRL policy reward f − A·log π, default 1), --runs-dir DIR (default runs/bench-airl), --resume (reuse finished run folders, continue cut ones)';
