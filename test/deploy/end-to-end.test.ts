import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRobotConfig } from '../../src/config/robot.js';
import { episodeSeed } from '../../src/core/rng.js';
import { RecordPolicy } from '../../src/deploy/record-policy.js';
import { DeployRunner } from '../../src/deploy/runner.js';
import { InProcessGraph } from '../../src/ros/in-process-bus.js';
import { type SimEpisode, SimNode } from '../../src/ros/sim-node.js';
import { makeTaskEnv } from '../../src/sim/tasks/index.js';
import type { Env } from '../../src/sim/types.js';
import { randomPolicyRecord } from './fixtures.js';

const EPISODES = 3;
const SEED = 7;

/** The same policy stepping the env directly, episodes after one seeded reset (as the sim node does). */
function directRollout(env: Env, policy: RecordPolicy, episodes: number, seed: number): SimEpisode[] {
  const out: SimEpisode[] = [];
  // Episodes seeded as the sim node seeds them (episodeSeed(seed, k) for its k-th reset).
  let obs = env.reset(episodeSeed(seed, 0));
  let ret = 0;
  let len = 0;
  while (out.length < episodes) {
    const a = policy.act(Float32Array.from(obs), 1, 'deterministic').actions;
    const r = env.step(a);
    ret += r.reward;
    len++;
    obs = r.obs;
    if (r.terminated || r.truncated || r.diverged) {
      out.push({
        return: ret,
        length: len,
        end: r.diverged ? 'diverged' : r.terminated ? 'terminated' : 'truncated',
      });
      ret = 0;
      len = 0;
      obs = env.reset(episodeSeed(seed, out.length));
    }
  }
  return out;
}

describe('sim node + deploy node in one process', () => {
  it('the policy drives the simulated Hopper over the bus; returns match a direct rollout', async () => {
    const simEnv = await makeTaskEnv('hopper');
    const refEnv = await makeTaskEnv('hopper');
    const config = loadRobotConfig('config/robots/hopper-sim.yaml');
    const record = randomPolicyRecord(simEnv.spec, 3);
    const policy = new RecordPolicy(record);
    const graph = new InProcessGraph();
    // use_sim_time: the deploy node's clock follows the simulator's /clock, so staleness and deadlines are
    // judged in simulation time and a stall of this shared machine (GC, other processes) cannot inject a
    // safe command into the lockstep run, as on a ROS 2 system with use_sim_time.
    const deployBus = graph.node('deploy', { useSimTime: true });
    const simBus = graph.node('sim');
    const warnings: string[] = [];
    const runner = new DeployRunner({
      bus: deployBus,
      config,
      policy,
      policySpec: record.spec,
      now: () => deployBus.clock.now(),
      onWarning: (w) => warnings.push(w),
    });
    const sim = new SimNode({
      bus: simBus,
      env: simEnv,
      seed: SEED,
      episodes: EPISODES,
      commandTopic: config.action.topic,
      publishClock: true,
    });
    try {
      runner.start();
      sim.start();
      const episodes = await sim.done;
      const result = await runner.stop('test done');
      const direct = directRollout(refEnv, policy, EPISODES, SEED);
      assert.equal(episodes.length, EPISODES);
      for (let e = 0; e < EPISODES; e++) {
        assert.equal(episodes[e]!.length, direct[e]!.length, `episode ${e} length`);
        assert.equal(episodes[e]!.end, direct[e]!.end);
        assert.ok(
          Math.abs(episodes[e]!.return - direct[e]!.return) <=
            1e-9 * Math.max(1, Math.abs(direct[e]!.return)),
          `episode ${e}: over the bus ${episodes[e]!.return}, direct ${direct[e]!.return}`,
        );
      }
      const steps = direct.reduce((s, d) => s + d.length, 0);
      assert.ok(steps > 10);
      assert.equal(result.counters.nonFiniteActions, 0);
      assert.equal(result.counters.safePublished, 3, 'only the stop publishes the safe command');
      assert.equal(result.counters.stale, 0);
      assert.equal(result.counters.published - result.counters.safePublished, steps);
      assert.equal(sim.rejectedCommands, 0);
      assert.deepEqual(warnings, []);
    } finally {
      sim.dispose();
      deployBus.dispose();
      simBus.dispose();
      simEnv.dispose();
      refEnv.dispose();
    }
  });
});
