/**
 * Checks a built-in task against Gymnasium's own environment: rolls this project's env on seeded
 * uniform random actions inside ctrlrange, then replays every episode in Gymnasium (native MuJoCo, from
 * the same start state: `set_state(qpos, qvel)` after a reset, then the same actions) and prints the
 * largest difference of each observation block and of the reward, and any step where `terminated`
 * differs. A development check, not part of the tool: it needs a Python with gymnasium and mujoco
 * (ideally the MuJoCo version of `@mujoco/mujoco`, so the two differ only by WASM/native rounding):
 *
 *   python3 -m venv /tmp/gym && /tmp/gym/bin/pip install gymnasium mujoco imageio packaging
 *   npx tsx scripts/gymnasium-reference.ts --python /tmp/gym/bin/python [--episodes 5] [--seed 0]
 *
 * Exit status 0 when every step agrees within the tolerances below, 1 otherwise, 2 on bad use.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng } from '../src/core/rng.js';
import { makeTaskEnv } from '../src/sim/tasks/index.js';

/** Tasks with a Gymnasium counterpart checked here: Gymnasium id and observation blocks (name, size). */
const REFERENCES = {
  humanoid: {
    id: 'Humanoid-v5',
    blocks: [
      ['qpos[2:]', 22],
      ['qvel', 23],
      ['cinert[1:]', 130],
      ['cvel[1:]', 78],
      ['qfrc_actuator[6:]', 17],
      ['cfrc_ext[1:]', 78],
    ],
  },
} as const satisfies Record<string, { id: string; blocks: readonly (readonly [string, number])[] }>;

/** Agreement: relative to max(1, |Gymnasium's value|) per block, and absolute on the reward. */
const OBS_REL_TOL = 1e-9;
const REWARD_TOL = 1e-9;
/** Env steps per episode at most (random actions end Humanoid's episodes in ~20). */
const MAX_STEPS = 1000;

/** One rolled episode, as the Python side reads it. */
interface Episode {
  readonly qpos: number[];
  readonly qvel: number[];
  readonly obs0: number[];
  readonly actions: number[][];
  readonly obs: number[][];
  readonly rewards: number[];
  readonly terminated: boolean[];
}

const { values } = parseArgs({
  options: {
    task: { type: 'string', default: 'humanoid' },
    python: { type: 'string', default: 'python3' },
    episodes: { type: 'string', default: '5' },
    seed: { type: 'string', default: '0' },
  },
});
const task = values.task;
if (!Object.hasOwn(REFERENCES, task)) {
  console.error(`--task ${task}: no Gymnasium reference here; have: ${Object.keys(REFERENCES).join(', ')}`);
  process.exit(2);
}
const ref = REFERENCES[task as keyof typeof REFERENCES];
const episodes = Number(values.episodes);
const seed = Number(values.seed);

const env = await makeTaskEnv(task);
const rolled: Episode[] = [];
try {
  const { low, high } = env.spec.action;
  for (let e = 0; e < episodes; e++) {
    const obs0 = Array.from(env.reset(seed + e));
    const v = env.model.views();
    const ep: Episode = {
      qpos: Array.from(v.qpos),
      qvel: Array.from(v.qvel),
      obs0,
      actions: [],
      obs: [],
      rewards: [],
      terminated: [],
    };
    const rng = new Rng(1000 + seed + e);
    for (let t = 0; t < MAX_STEPS; t++) {
      const a = low.map((lo, i) => rng.uniform(lo, high[i]!));
      const r = env.step(a);
      ep.actions.push(a);
      ep.obs.push(Array.from(r.obs));
      ep.rewards.push(r.reward);
      ep.terminated.push(r.terminated);
      if (r.terminated || r.truncated || r.diverged) break;
    }
    rolled.push(ep);
  }
} finally {
  env.dispose();
}

const dir = mkdtempSync(join(tmpdir(), 'gymnasium-reference-'));
try {
  const input = join(dir, 'episodes.json');
  writeFileSync(input, JSON.stringify({ id: ref.id, blocks: ref.blocks, episodes: rolled }));
  const script = join(dirname(fileURLToPath(import.meta.url)), 'gymnasium-reference.py');
  const r = spawnSync(values.python, [script, input], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) {
    console.error(
      `${values.python} ${script} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr.trim()}\n` +
        'It needs gymnasium, mujoco, imageio and packaging (see the comment at the top of this script).',
    );
    process.exit(2);
  }
  const report = JSON.parse(r.stdout) as {
    versions: { mujoco: string; gymnasium: string };
    steps: number;
    terminatedMismatches: number;
    rewardMaxAbs: number;
    blocks: { name: string; maxAbs: number; maxRel: number }[];
  };
  console.log(
    `${task} vs Gymnasium ${report.versions.gymnasium} ${ref.id} (native MuJoCo ${report.versions.mujoco}): ` +
      `${episodes} episodes, ${report.steps} env steps (episode lengths ${rolled.map((e) => e.actions.length).join(', ')})`,
  );
  console.log(
    `  terminated differs on ${report.terminatedMismatches} steps; max |reward diff| ${report.rewardMaxAbs.toExponential(2)}`,
  );
  for (const b of report.blocks) {
    console.log(
      `  ${b.name.padEnd(18)} max |diff| ${b.maxAbs.toExponential(2)}  relative ${b.maxRel.toExponential(2)}`,
    );
  }
  const ok =
    report.terminatedMismatches === 0 &&
    report.rewardMaxAbs <= REWARD_TOL &&
    report.blocks.every((b) => b.maxRel <= OBS_REL_TOL);
  console.log(ok ? 'agree' : 'DIFFER');
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
