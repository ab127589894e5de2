/**
 * Single-env in-process batch envs side by side as one, so a test can seed each env as a ROS 2 simulator
 * node seeds its episodes (one stream per node) and compare the ROS rollout path with the in-process one.
 */
import { makeTaskEnv } from '../../src/sim/tasks/index.js';
import { type BatchEnv, type BatchStepResult, envsAsBatch } from '../../src/streams/env-source.js';

/** Single-env batch envs side by side as one (row i is part i), all synchronous. */
export function sideBySide(parts: readonly BatchEnv[]): BatchEnv {
  const obsDim = parts[0]!.obsDim;
  const actDim = parts[0]!.actDim;
  const cat = (xs: Float32Array[]): Float32Array => {
    const out = new Float32Array(xs.reduce((n, x) => n + x.length, 0));
    let at = 0;
    for (const x of xs) {
      out.set(x, at);
      at += x.length;
    }
    return out;
  };
  return {
    numEnvs: parts.length,
    obsDim,
    actDim,
    reset: () => cat(parts.map((p) => p.reset() as Float32Array)),
    step(actions) {
      const rs = parts.map((p, i) => p.step(actions.slice(i * actDim, (i + 1) * actDim)) as BatchStepResult);
      const ends = new Uint8Array(parts.length);
      rs.forEach((r, i) => {
        ends[i] = r.ends[0]!;
      });
      return {
        nextObs: cat(rs.map((r) => r.nextObs)),
        obs: cat(rs.map((r) => r.obs)),
        rewards: cat(rs.map((r) => r.rewards)),
        ends,
      };
    },
    dispose: () => {
      for (const p of parts) p.dispose();
    },
  };
}

/**
 * One in-process env of `task` per seed, side by side, each seeded as a `sim --ros --seed S` node seeds
 * its episodes: the node's episode k = 0 runs before the learner's reset, so each part is reset once here.
 */
export async function envsSeededAsSimulators(task: string, seeds: readonly number[]): Promise<BatchEnv> {
  return sideBySide(
    await Promise.all(
      seeds.map(async (seed) => {
        const batch = envsAsBatch([await makeTaskEnv(task)], seed);
        batch.reset();
        return batch;
      }),
    ),
  );
}
