/**
 * What the algorithms that learn from a demo file in simulation (BC, DAgger, DAC) do first, in this order:
 * read the file, choose its demonstrations (core/demo-selection.ts, the same choice for every algorithm),
 * check them against a probe env of the run's target, and, when asked, measure the normalised score's
 * references on that probe (R_expert: the chosen demonstrations' mean return; R_random: a uniform random
 * policy's, actions drawn from seed + 99).
 */
import {
  describeEnvTarget,
  type EnvTarget,
  envTargetHasReward,
  envTargetOfSettings,
  makeEnvTarget,
} from '../config/task.js';
import { chooseDemonstrations, type DemoChoiceSettings, type DemoSelection } from '../core/demo-selection.js';
import { assertSpecsMatch, type SpecSource } from '../core/spec.js';
import type { Trajectory } from '../core/trajectory.js';
import { type DemoFile, readDemoFile } from '../data/demo-reader.js';
import { evaluate, meanStd, uniformRandomAct } from '../learn/evaluate.js';
import type { Env } from '../sim/types.js';

/** The env a run trains on: its target, how to make one, and whether it has a reward to evaluate. */
export interface TrainingEnv {
  readonly target: EnvTarget;
  readonly makeEnv: (seed: number) => Promise<Env>;
  /** Whether the env gives rewards (an MJCF robot does not; an env made by a test does). */
  readonly hasReward: boolean;
}

/** The env of the settings' task or model; `makeEnv` (tests) replaces it and counts as rewarded. */
export function trainingEnv(
  s: Parameters<typeof envTargetOfSettings>[0],
  makeEnv?: (seed: number) => Promise<Env>,
): TrainingEnv {
  const target = envTargetOfSettings(s);
  return {
    target,
    makeEnv: makeEnv ?? ((seed: number) => makeEnvTarget(target, { seed })),
    hasReward: makeEnv !== undefined || envTargetHasReward(target),
  };
}

/** The chosen demonstrations, checked against the env. */
export interface ChosenDemonstrations {
  readonly demo: DemoFile;
  readonly selection: DemoSelection;
  /** The chosen episodes' trajectories, in order. */
  readonly trajectories: readonly Trajectory[];
  /** The env's spec source: the policy records the env it was trained on, not the demos'. */
  readonly source: SpecSource;
  /** The normalised score's references; NaN when not asked for or no demonstration records rewards. */
  readonly scoreRefs: { readonly random: number; readonly expert: number };
}

/**
 * Reads and chooses the demonstrations of `s` and checks them against a probe env (seed `s.seed`); with
 * `scoreRefs`, R_random is the mean return over `episodes` episodes reset from `seed`.
 */
export async function chosenDemonstrations(
  s: DemoChoiceSettings & { readonly seed: number },
  env: TrainingEnv,
  log: (line: string) => void,
  scoreRefs?: { readonly episodes: number; readonly seed: number },
): Promise<ChosenDemonstrations> {
  const demo = await readDemoFile(s.demos);
  const selection = chooseDemonstrations(demo.episodes, s, log);
  const trajectories = selection.used.map((e) => e.trajectory);
  const probe = await env.makeEnv(s.seed);
  const source = probe.spec.source;
  let expert = Number.NaN;
  let random = Number.NaN;
  try {
    assertSpecsMatch(`${s.demos} vs ${describeEnvTarget(env.target)}`, probe.spec, demo.spec);
    const returns = trajectories.flatMap((t) => (t.rewards ? [t.rewards.reduce((a, b) => a + b, 0)] : []));
    if (scoreRefs !== undefined && returns.length > 0) {
      expert = returns.reduce((a, b) => a + b, 0) / returns.length;
      random = meanStd([
        ...evaluate([probe], uniformRandomAct(probe, s.seed + 99), scoreRefs.episodes, scoreRefs.seed)
          .returns,
      ]).mean;
    }
  } finally {
    probe.dispose();
  }
  return { demo, selection, trajectories, source, scoreRefs: { random, expert } };
}
