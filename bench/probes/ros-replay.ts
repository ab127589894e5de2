/**
 * Probe: replays a lock-step `train --algo gail --ros` run folder in-process, each env seeded as its
 * simulator node seeds its episodes (`sim --ros --seed S` in namespace order), and compares the two runs'
 * metrics.jsonl row by row, every learning metric (timings left out). In lock-step what crosses DDS is
 * what the in-process env hands over, so the rows must be equal, not close: this is how the 1M-step
 * Hopper run over DDS in docs/ros2.md was checked. Run it at the commit the ROS run was made with, on a
 * run that was not resumed (a resumed run's simulators restart their episode streams).
 *
 *   npx tsx bench/probes/ros-replay.ts RUN_DIR --sim-seeds 1,2 [--out DIR]
 *
 * Writes the replay's rows to DIR/metrics.jsonl (default: a temporary folder) as it goes, prints the first
 * different row if any, and the replay's final deterministic return (10 episodes, as `train` evaluates).
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gailAlgorithm } from '../../src/algos/gail.js';
import { resolveGailConfig } from '../../src/gail/config.js';
import { evaluate, meanStd } from '../../src/learn/evaluate.js';
import { readMetricsRows } from '../../src/run/folder.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';
import { envsSeededAsSimulators } from '../../test/algos/side-by-side.js';

const TIMING = new Set([
  'round',
  'wallSeconds',
  'stepsPerSecond',
  'discSeconds',
  'policySeconds',
  'collectSeconds',
  'envStepSeconds',
  'actSeconds',
]);
const learning = (r: object): string =>
  JSON.stringify(
    Object.entries(r)
      .filter(([k]) => !TIMING.has(k))
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dir = args[0];
const seeds = flag('--sim-seeds')?.split(',').map(Number);
if (!dir || !seeds || seeds.some((s) => !Number.isInteger(s))) {
  console.error('usage: npx tsx bench/probes/ros-replay.ts RUN_DIR --sim-seeds 1,2 [--out DIR]');
  process.exit(1);
}
const out = flag('--out') ?? mkdtempSync(join(tmpdir(), 'gb-ros-replay-'));
mkdirSync(out, { recursive: true });
const saved = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
  settings: Record<string, unknown> & { ros?: { namespaces: string[] }; task?: string };
};
const { ros, ...settings } = saved.settings;
if (!ros || ros.namespaces.length !== seeds.length || !settings.task) {
  console.error(`${dir}: not a lock-step ROS run with a task and ${seeds.length} namespaces`);
  process.exit(1);
}
const task = settings.task;
const rosRows = readMetricsRows(dir);
const alg = await gailAlgorithm(resolveGailConfig({ ...settings, numEnvs: seeds.length } as never), {
  batchEnv: () => envsSeededAsSimulators(task, seeds),
});
writeFileSync(join(out, 'metrics.jsonl'), '');
let round = 0;
let equal = 0;
let firstDifferent: number | undefined;
const t0 = performance.now();
await alg.train(
  { round: 0, envSteps: 0 },
  {
    onRound: (_p, row) => {
      round++;
      appendFileSync(join(out, 'metrics.jsonl'), `${JSON.stringify({ round, ...row })}\n`);
      const theirs = rosRows[round - 1];
      if (theirs && learning(theirs) === learning(row)) equal++;
      else if (firstDifferent === undefined) {
        firstDifferent = round;
        console.log(
          `round ${round} differs:\n  ros:    ${theirs ? learning(theirs) : '(none)'}\n  replay: ${learning(row)}`,
        );
      }
      if (round % 50 === 0) console.log(`round ${round}: ${equal} of ${round} rows equal`);
    },
    shouldStop: () => false,
    wallSeconds: () => (performance.now() - t0) / 1000,
  },
);
const envs = await Promise.all([0, 1, 2, 3].map((i) => makeTaskEnv(task, { seed: 1_000_000 + i })));
const e = evaluate(envs, (o, n) => alg.policy.act(o, n, 'deterministic').actions, 10, 1_000_000);
const ret = meanStd([...e.returns]);
console.log(
  `${equal} of ${round} replayed rows equal to ${dir}'s ${rosRows.length}; first different: ${firstDifferent ?? 'none'}; ` +
    `replay's deterministic return ${ret.mean.toFixed(1)} ± ${ret.std.toFixed(1)} (rows in ${out})`,
);
for (const env of envs) env.dispose();
alg.dispose();
