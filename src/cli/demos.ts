/**
 * `gail-bridge demos`: rolls a policy out on a built-in task or an MJCF robot (--model, --task-config;
 * default: what the policy was trained on) and writes the episodes as a demo file (MCAP + protobuf,
 * src/data). Rewards are stored for evaluation only; GAIL never reads them; a robot without a reward
 * gets none. The actions stored are the ones the env applied (clipped to the action bounds), since those
 * are what an expert demonstrably did.
 */
import { basename, extname } from 'node:path';
import type { Command } from 'commander';
import { describeEnvTarget, envTargetHasReward, makeEnvTarget, NO_REWARD_TEXT } from '../config/task.js';
import { integer, modeOption, progressBar, report, runCommand } from './common.js';
import {
  frozenPolicyOnEnv,
  type PolicyOnEnvOptions,
  policyOnEnvCommand,
  readPolicyOnEnv,
} from './policy-on-env.js';

/** What `demos` prints (and with --json, exactly this object). */
export interface DemosResult {
  readonly out: string;
  readonly policy: string;
  /** What it ran on: the task's name, or "model robot.xml (task config task.yaml)". */
  readonly task: string;
  readonly episodes: number;
  readonly steps: number;
  /** Null when the env has no reward (an MJCF robot). */
  readonly return: { mean: number; std: number } | null;
  readonly ends: Readonly<Record<string, number>>;
}

/** The flags of `demos` as commander parses them (`out` defaults to demos/<task>.mcap). */
interface DemosFlags extends Omit<DemosOptions, 'out'> {
  readonly out?: string;
  readonly json: boolean;
}

export function register(program: Command): void {
  policyOnEnvCommand(
    program,
    'demos',
    'roll a policy out on a built-in task or an MJCF robot into a demo file (MCAP); rewards kept for evaluation',
    'policy file (e.g. experts/hopper.policy)',
    { help: 'episodes to record', default: 25 },
  )
    .option('--out <file>', 'demo file to write (default demos/<task or model name>.mcap)')
    .addOption(modeOption())
    .option('--seed <n>', 'seed of the first episode (episode e uses seed + e)', integer('--seed'), 2_000_000)
    .option('--backend <name>', 'TensorFlow.js backend: auto, tensorflow, wasm, cpu', 'auto')
    .option('--json', 'print the result as one JSON object on stdout', false)
    .action((o: DemosFlags) =>
      runCommand(async () => {
        const r = await runDemos(o);
        report(
          o.json,
          r,
          () =>
            `${r.out}: ${r.episodes} episodes, ${r.steps} steps, ` +
            (r.return === null
              ? `${NO_REWARD_TEXT}, `
              : `return ${r.return.mean.toFixed(1)} ± ${r.return.std.toFixed(1)}, `) +
            `ends ${JSON.stringify(r.ends)}`,
        );
      }),
    );
}

/** Options of `runDemos` (the command's flags). */
export interface DemosOptions extends PolicyOnEnvOptions {
  /** Default demos/<task or model name>.mcap. */
  readonly out?: string | undefined;
}

/** Records `episodes` episodes of the policy (see the file comment). */
export async function runDemos(opts: DemosOptions): Promise<DemosResult> {
  const [{ mkdirSync }, { dirname }, ev, { DemoWriter }, traj] = await Promise.all([
    import('node:fs'),
    import('node:path'),
    import('../learn/evaluate.js'),
    import('../data/demo-writer.js'),
    import('../core/trajectory.js'),
  ]);
  const { record, target } = await readPolicyOnEnv(opts, 'demos');
  const withReward = envTargetHasReward(target);
  const name = target.kind === 'task' ? target.task : basename(target.model, extname(target.model));
  const out = opts.out ?? `demos/${name}.mcap`;
  const env = await makeEnvTarget(target, { seed: opts.seed });
  const spec = env.spec;
  const obsDim = spec.observation.names.length;
  const actDim = spec.action.names.length;
  const { low, high } = spec.action;
  try {
    const policy = await frozenPolicyOnEnv(record, opts, spec);
    mkdirSync(dirname(out) || '.', { recursive: true });
    const writer = await DemoWriter.create(out, { spec });
    const returns: number[] = [];
    const ends: Record<string, number> = {};
    let steps = 0;
    const bar = progressBar(opts.episodes, `demos ${name}`, withReward ? ['return'] : ['steps']);
    try {
      for (let e = 0; e < opts.episodes; e++) {
        const obsRows: Float32Array[] = [Float32Array.from(env.reset(opts.seed + e))];
        const acts: Float32Array[] = [];
        const rewards: number[] = [];
        let end: 'terminated' | 'truncated' | 'diverged' = 'truncated';
        for (;;) {
          const a = policy.act(obsRows[obsRows.length - 1]!, 1, opts.mode).actions;
          const applied = a.map((x, j) => Math.min(high[j]!, Math.max(low[j]!, x)));
          const r = env.step(applied);
          acts.push(applied);
          rewards.push(r.reward);
          obsRows.push(Float32Array.from(r.obs));
          if (r.terminated || r.truncated || r.diverged) {
            end = r.diverged ? 'diverged' : r.terminated ? 'terminated' : 'truncated';
            break;
          }
        }
        const T = acts.length;
        const obs = new Float32Array((T + 1) * obsDim);
        obsRows.forEach((row, i) => {
          obs.set(row, i * obsDim);
        });
        const actions = new Float32Array(T * actDim);
        acts.forEach((row, i) => {
          actions.set(row, i * actDim);
        });
        const t = traj.makeTrajectory({
          obsDim,
          actDim,
          obs,
          acts: actions,
          end,
          rewards: withReward ? Float32Array.from(rewards) : undefined,
          timestamps: Float64Array.from({ length: T + 1 }, (_, i) => i * spec.dt),
        });
        await writer.writeTrajectory(t, {
          policy: opts.policy,
          seed: String(opts.seed + e),
          mode: opts.mode,
        });
        const ret = traj.trajectoryReturn(t) ?? 0;
        returns.push(ret);
        ends[end] = (ends[end] ?? 0) + 1;
        steps += T;
        bar.update(e + 1, withReward ? { return: ret.toFixed(1) } : { steps: T });
      }
    } finally {
      bar.stop();
      policy.dispose();
      await writer.close();
    }
    return {
      out,
      policy: opts.policy,
      task: describeEnvTarget(target),
      episodes: opts.episodes,
      steps,
      return: withReward ? ev.meanStd(returns) : null,
      ends,
    };
  } finally {
    env.dispose();
  }
}
