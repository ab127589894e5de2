/**
 * Probe: what can pause the deploy control cycle. Runs the ros bench's setup (Hopper expert driving the
 * realtime simulated Hopper over the in-process bus) and reports
 *   - heap bytes allocated inside the deadline window (trigger receipt → command ready), per cycle,
 *     read with v8.getHeapStatistics around the window (the probe's own call subtracted);
 *   - every garbage collection after a 2 s warm-up (time, duration, kind: 1 minor, 4 major, 8 incremental),
 *     and the times of the deadline misses, so a reader can see whether they coincide;
 *   - the host steal during the run.
 * It reaches into DeployRunner's private onMessage/publish to time the window: a probe, not an API.
 * With `takeover`, a person holds an HG-DAgger takeover the whole run (a teleop node publishing commands
 * at the control rate) and the corrections go to an in-memory demo file: the window then reads the
 * teleop command and queues the correction instead of running the policy.
 *
 *   npx tsx bench/probes/deploy-window.ts [rateHz=500] [cycles=10000] [takeover]
 */
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { TempBuffer } from '@mcap/core';
import { loadRobotConfig, robotSpec } from '../../src/config/robot.js';
import { DemoWriter } from '../../src/data/demo-writer.js';
import { readPolicyFile } from '../../src/data/policy-file.js';
import { CorrectionRecorder } from '../../src/deploy/corrections.js';
import { RecordPolicy } from '../../src/deploy/record-policy.js';
import { DeployRunner } from '../../src/deploy/runner.js';
import { InProcessGraph } from '../../src/ros/in-process-bus.js';
import { SimNode } from '../../src/ros/sim-node.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';
import { cpuTicks, stealPercent } from '../lib/machine.js';

const rate = Number(process.argv[2] ?? 500);
const cycles = Number(process.argv[3] ?? 10_000);
const takeover = process.argv[4] === 'takeover';
const gcs: { at: number; ms: number; kind: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    gcs.push({
      at: e.startTime,
      ms: e.duration,
      kind: (e as { detail?: { kind?: number } }).detail?.kind ?? 0,
    });
}).observe({ entryTypes: ['gc'] });

const env = await makeTaskEnv('hopper');
const config = {
  ...loadRobotConfig('config/robots/hopper-sim.yaml'),
  control_rate_hz: rate,
  ...(takeover
    ? {
        teleop: {
          topic: '/teleop/commands',
          type: 'std_msgs/Float64MultiArray' as const,
          takeover_topic: '/teleop/takeover',
        },
      }
    : {}),
};
const stored = await readPolicyFile('experts/hopper.policy');
const record = { ...stored, spec: { ...stored.spec, controlRateHz: rate } };
const graph = new InProcessGraph();
const writer = takeover
  ? await DemoWriter.toWritable(new TempBuffer(), { spec: robotSpec(config, 'probe') })
  : undefined;
const corrections = writer ? new CorrectionRecorder(writer, 11, 3) : undefined;
const misses: number[] = [];
let stopping = false;
const runner: DeployRunner = new DeployRunner({
  bus: graph.node('deploy'),
  config,
  policy: new RecordPolicy(record),
  policySpec: record.spec,
  statusTopic: null,
  ...(corrections ? { corrections } : {}),
  onEvent: (e) => {
    if (e.reason === 'deadline') misses.push(performance.now());
  },
  onPublish: () => {
    if (!stopping && runner.counters.cycles >= cycles) {
      stopping = true;
      void runner.stop('probe done');
    }
  },
});
const sim = new SimNode({
  bus: graph.node('sim'),
  env,
  realtime: true,
  rateHz: rate,
  commandTopic: config.action.topic,
});

type Internals = {
  onMessage(k: number, m: unknown): void;
  publish(v: Float64Array, at: number | undefined, safe: boolean): void;
};
const inner = runner as unknown as Internals;
const onMessage = inner.onMessage.bind(runner);
const publish = inner.publish.bind(runner);
const windowBytes: number[] = [];
let windowStart = Number.NaN;
inner.onMessage = (k, m) => {
  const a = v8.getHeapStatistics().used_heap_size;
  const b = v8.getHeapStatistics().used_heap_size;
  windowStart = b + (b - a); // b − a: what one getHeapStatistics call itself allocates
  onMessage(k, m);
};
inner.publish = (v, at, safe) => {
  const bytes = v8.getHeapStatistics().used_heap_size - windowStart;
  if (!safe && bytes >= 0 && bytes < 1e6) windowBytes.push(bytes); // a GC in between makes it negative
  windowStart = Number.NaN;
  publish(v, at, safe);
};

const before = cpuTicks();
const t0 = performance.now();
runner.start();
sim.start();
let teleopTimer: NodeJS.Timeout | undefined;
if (takeover) {
  const person = graph.node('person');
  person.publisher('/teleop/takeover', 'std_msgs/msg/Bool').publish({ data: true });
  const cmd = person.publisher('/teleop/commands', 'std_msgs/msg/Float64MultiArray');
  teleopTimer = setInterval(
    () => cmd.publish({ layout: { dim: [], data_offset: 0 }, data: [0.1, -0.1, 0.05] }),
    1000 / rate,
  );
}
const result = await runner.done;
if (teleopTimer) clearInterval(teleopTimer);
if (corrections) {
  const c = await corrections.close();
  console.log(`corrections: ${c.steps} steps in ${c.episodes} episodes, ${c.dropped} dropped`);
}
const sorted = windowBytes.slice(100).sort((p, q) => p - q); // after the first 100 cycles (JIT)
const q = (p: number): number => sorted[Math.floor(p * (sorted.length - 1))] ?? Number.NaN;
const rel = (t: number): number => Math.round(t - t0);
console.log(
  `${rate} Hz, ${result.counters.cycles} cycles: misses ${result.counters.deadlineMisses}, late watchdog ${result.counters.watchdogLate}, ` +
    `latency p99 ${(result.latency.p99 * 1e6).toFixed(0)} µs, max ${(result.latency.max * 1e3).toFixed(2)} ms; host steal ${stealPercent(before, cpuTicks()) ?? 'n/a'}%`,
);
console.log(
  `bytes allocated in the window per cycle (after 100 cycles): p50 ${q(0.5)}, p90 ${q(0.9)}, p99 ${q(0.99)}; first cycles ${windowBytes.slice(0, 5).join(' ')}`,
);
const steady = gcs.filter((g) => g.at > t0 + 2000);
console.log(
  `GCs after 2 s: ${steady.length} (ms from start: duration, kind) ${steady.map((g) => `${rel(g.at)}: ${g.ms.toFixed(1)}/${g.kind}`).join(', ')}`,
);
console.log(`deadline misses at (ms from start): ${misses.map(rel).join(', ') || 'none'}`);
sim.dispose();
env.dispose();
process.exit(0);
