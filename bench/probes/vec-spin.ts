/**
 * Probe: VecEnv scaling (2 workers vs 1, 8 envs) for several worker spin settings, measured as the sim
 * bench's vec rows are (random actions in lock-step, interleaved rounds, medians of per-round ratios);
 * how SPIN_CHECKS in src/sim/vec-env.ts was chosen.
 *
 *   npx tsx bench/probes/vec-spin.ts [tasks=hopper,half-cheetah,ant] [rounds=9] [batches=1000] [spins=0,20000,60000]
 */

import { isTaskName } from '../../src/sim/tasks/index.js';
import { makeVecEnv } from '../../src/sim/vec-env.js';
import { cpuTicks, stealPercent } from '../lib/machine.js';
import { median } from '../lib/stats.js';

const tasks = (process.argv[2] ?? 'hopper,half-cheetah,ant').split(',');
const rounds = Number(process.argv[3] ?? 9);
const batches = Number(process.argv[4] ?? 1000);
const spins = (process.argv[5] ?? '0,20000,60000').split(',').map(Number);
const N = 8;
const before = cpuTicks();
for (const task of tasks) {
  if (!isTaskName(task)) throw new Error(`unknown task ${task}`);
  const one = await makeVecEnv({ kind: 'task', task }, { numEnvs: N, workers: 1 });
  const two = await Promise.all(
    spins.map((spinChecks) => makeVecEnv({ kind: 'task', task }, { numEnvs: N, workers: 2, spinChecks })),
  );
  const actDim = one.spec.action.names.length;
  let x = 1;
  const uniform = (): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return (x / 2147483648) * 2 - 1;
  };
  const actions = Array.from({ length: batches }, () => Float32Array.from({ length: N * actDim }, uniform));
  const rate = async (v: typeof one): Promise<number> => {
    const t0 = performance.now();
    await v.reset(1);
    for (const a of actions) await v.step(a);
    return (batches * N) / ((performance.now() - t0) / 1000);
  };
  for (const v of [one, ...two]) await rate(v); // warm-up
  const ratios: number[][] = spins.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const base = await rate(one);
    for (const [i, v] of two.entries()) ratios[i]!.push((await rate(v)) / base);
  }
  console.log(
    `${task}: 2w/1w ${spins.map((s, i) => `spin ${s} ${median(ratios[i]!).toFixed(2)}×`).join(', ')}`,
  );
  for (const v of [one, ...two]) await v.dispose();
}
console.log(`host steal during the probe: ${stealPercent(before, cpuTicks()) ?? 'n/a'}%`);
process.exit(0);
