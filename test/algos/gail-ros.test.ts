/**
 * GAIL trained from ROS 2 topics (train --algo gail --ros) over the in-process bus, the CI proof of the
 * ROS rollout path: with one simulator node in lock-step and fixed seeds, every learning metric of the
 * run equals the in-process env's for the same episode seeds; and GAIL on InvertedPendulum through the
 * ROS path, with 4 simulator nodes in namespaces, reaches a normalised score ≥ 0.8.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gailAlgorithm } from '../../src/algos/gail.js';
import { resolveGailConfig } from '../../src/gail/config.js';
import { evaluate, meanStd, uniformRandomAct } from '../../src/learn/evaluate.js';
import { InProcessGraph } from '../../src/ros/in-process-bus.js';
import { SimNode } from '../../src/ros/sim-node.js';
import type { MetricsRow } from '../../src/run/algorithm.js';
import type { MujocoEnv } from '../../src/sim/env.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';
import { envsAsBatch } from '../../src/streams/env-source.js';
import { testBackend } from '../learn/helpers.js';
import { envsSeededAsSimulators } from './side-by-side.js';

const TASK = 'inverted-pendulum';
const CONFIG = 'config/robots/inverted-pendulum-sim.yaml';
const DEMOS = 'demos/inverted-pendulum.mcap';
const envs: MujocoEnv[] = [];
const env = async (): Promise<MujocoEnv> => {
  const e = await makeTaskEnv(TASK);
  envs.push(e);
  return e;
};
before(async () => {
  await testBackend();
});
after(() => {
  for (const e of envs) e.dispose();
});

/** Runs `alg.train` to the end, collecting the metrics rows. */
async function rows(alg: Awaited<ReturnType<typeof gailAlgorithm>>): Promise<MetricsRow[]> {
  const out: MetricsRow[] = [];
  await alg.train(
    { round: 0, envSteps: 0 },
    { onRound: (_p, r) => out.push(r), shouldStop: () => false, wallSeconds: () => 0 },
  );
  return out;
}

/** Simulator nodes serving the task, one per namespace, on `graph`. */
async function sims(graph: InProcessGraph, namespaces: readonly string[], seed: number) {
  return Promise.all(
    namespaces.map(async (ns, i) => {
      const bus = graph.node('gail_bridge_sim', { namespace: ns });
      const node = new SimNode({ bus, env: await env(), seed: seed + i, namespace: ns });
      node.start();
      return () => {
        node.dispose();
        bus.dispose();
      };
    }),
  );
}

/** A row's learning metrics (timings left out). */
const TIMING = new Set([
  'wallSeconds',
  'stepsPerSecond',
  'discSeconds',
  'policySeconds',
  'collectSeconds',
  'envStepSeconds',
  'actSeconds',
]);
const learning = (r: MetricsRow) => Object.fromEntries(Object.entries(r).filter(([k]) => !TIMING.has(k)));

describe('GAIL over ROS 2 (in-process bus)', () => {
  it('with one lock-step simulator gives every metric the in-process env gives for the same seeds', async () => {
    const settings = resolveGailConfig({
      task: TASK,
      demos: DEMOS,
      demoTrajectories: 2,
      steps: 768,
      numSteps: 256,
      policyMinibatches: 4,
      discStepsPerRound: 2,
      discHidden: [16],
      policyHidden: [16],
      backend: 'wasm',
      seed: 4,
    });
    const viaRos = {
      ...settings,
      ros: { config: CONFIG, namespaces: [''], timing: 'lockstep', simNode: 'gail_bridge_sim' },
    } as const;
    const graph = new InProcessGraph();
    const stop = await sims(graph, [''], 11);
    const ros = await gailAlgorithm(resolveGailConfig({ ...viaRos, numEnvs: undefined }), {
      rosBus: async () => graph.node('trainer'),
    });
    const a = await rows(ros);
    ros.dispose();
    for (const s of stop) s();
    // In-process: the same task and episode seeds (the node's first episode, k = 0, ran before the
    // learner's reset, which starts k = 1).
    const inProcess = await gailAlgorithm(resolveGailConfig({ ...settings, numEnvs: 1 }), {
      batchEnv: async () => {
        const batch = envsAsBatch([await env()], 11);
        batch.reset();
        return batch;
      },
    });
    const b = await rows(inProcess);
    inProcess.dispose();
    assert.equal(a.length, 3);
    assert.deepEqual(a.map(learning), b.map(learning));
    assert.ok(Number.isFinite(a[2]!['discLoss']!));
  });

  it('with two namespaced Hopper simulators gives every metric the in-process envs give, env by env', async () => {
    const settings = resolveGailConfig({
      task: 'hopper',
      demos: 'demos/hopper.mcap',
      demoTrajectories: 2,
      subsample: 20,
      steps: 1536,
      numSteps: 256,
      policyMinibatches: 4,
      discStepsPerRound: 2,
      discHidden: [16],
      policyHidden: [16],
      backend: 'wasm',
      seed: 6,
    });
    const graph = new InProcessGraph();
    const stop = await Promise.all(
      ['h0', 'h1'].map(async (ns, i) => {
        const bus = graph.node('gail_bridge_sim', { namespace: ns });
        const hopperEnv = await makeTaskEnv('hopper');
        envs.push(hopperEnv);
        const node = new SimNode({ bus, env: hopperEnv, seed: 21 + i, namespace: ns });
        node.start();
        return () => {
          node.dispose();
          bus.dispose();
        };
      }),
    );
    const ros = await gailAlgorithm(
      resolveGailConfig({
        ...settings,
        numEnvs: undefined,
        ros: {
          config: 'config/robots/hopper-sim.yaml',
          namespaces: ['h0', 'h1'],
          timing: 'lockstep',
          simNode: 'gail_bridge_sim',
        },
      }),
      { rosBus: async () => graph.node('trainer') },
    );
    const a = await rows(ros);
    ros.dispose();
    for (const s of stop) s();
    // In-process: each env seeded as its simulator seeds its episodes, rows in namespace order.
    const inProcess = await gailAlgorithm(resolveGailConfig({ ...settings, numEnvs: 2 }), {
      batchEnv: () => envsSeededAsSimulators('hopper', [21, 22]),
    });
    const b = await rows(inProcess);
    inProcess.dispose();
    assert.equal(a.length, 3);
    assert.deepEqual(a.map(learning), b.map(learning));
  });

  it('learns InvertedPendulum from 4 simulator nodes in namespaces to a normalised score ≥ 0.8', {
    timeout: 300_000,
  }, async () => {
    const graph = new InProcessGraph();
    const namespaces = ['s0', 's1', 's2', 's3'];
    const stop = await sims(graph, namespaces, 1);
    const alg = await gailAlgorithm(
      resolveGailConfig({
        task: TASK,
        demos: DEMOS,
        demoTrajectories: 4,
        steps: 50_000,
        numSteps: 256,
        policyLr: 1e-3,
        policyMinibatches: 4,
        backend: 'wasm',
        seed: 0,
        ros: { config: CONFIG, namespaces, timing: 'lockstep', simNode: 'gail_bridge_sim' },
      }),
      { rosBus: async () => graph.node('trainer') },
    );
    await rows(alg);
    for (const s of stop) s();
    const evalEnvs = await Promise.all([0, 1].map((i) => makeTaskEnv(TASK, { seed: 100 + i })));
    const policy = alg.policy;
    const learned = meanStd([
      ...evaluate(evalEnvs, (o, n) => policy.act(o, n, 'deterministic').actions, 4, 100).returns,
    ]).mean;
    const random = meanStd([...evaluate(evalEnvs, uniformRandomAct(evalEnvs[0]!, 7), 4, 100).returns]).mean;
    for (const e of evalEnvs) e.dispose();
    alg.dispose();
    const score = (learned - random) / (1000 - random);
    assert.ok(
      score >= 0.8,
      `normalised score ${score.toFixed(2)} (return ${learned.toFixed(1)}, random ${random.toFixed(1)})`,
    );
  });
});
