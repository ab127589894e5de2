/** Run folders for the view tests: config.json and metrics rows as a GAIL run writes them, no training. */
import { appendMetricsRow, createRunFolder } from '../../src/run/folder.js';

/** A GAIL-like metrics row of round `i` (returns rising with noise set by `seed`). */
export function gailRow(i: number, seed: number): Record<string, number> {
  const ret = 100 + 90 * i + 15 * Math.sin(i + seed);
  return {
    round: i + 1,
    envSteps: 2048 * (i + 1),
    wallSeconds: 1.5 * (i + 1),
    returnMean: ret,
    normalizedScore: (ret - 20) / 3480,
    discAccExpert: 0.9 - 0.01 * i,
    discAccPolicy: 0.85 - 0.01 * i,
    discLoss: 0.6 + 0.01 * seed,
    rewardMean: 0.4,
    'policy/entropy': 4.2 - 0.05 * i,
    stepsPerSecond: 1300 + seed,
  };
}

/** A run folder at `dir` with `rounds` rows, as seed `seed` of one experiment. */
export function makeRun(dir: string, seed: number, rounds: number): void {
  createRunFolder(
    dir,
    {
      command: 'train',
      algo: 'gail',
      settings: { task: 'hopper', demos: 'demos/hopper.mcap', steps: 100_000, seed },
      commandLine: `gail-bridge train --algo gail --task hopper --seed ${seed}`,
      backend: 'wasm',
    },
    { force: true },
  );
  for (let i = 0; i < rounds; i++) appendMetricsRow(dir, gailRow(i, seed));
}
