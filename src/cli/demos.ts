/**
 * `gail-bridge demos`: rolls a policy out on a built-in task or an MJCF robot (--model, --task-config;
 * default: what the policy was trained on) and writes the episodes as a demo file (MCAP + protobuf,
 * src/data). Rewards are stored for evaluation only; GAIL never reads them; a robot without a reward
 * gets none. The actions stored are the ones the env applied (clipped to the action bounds), since those
 * are what an expert demonstrably did.
 */
import { basename, extname } from 'node:path';
import { type Command, Option } from 'commander';
import {
  describeEnvTarget,
  envTargetFromFlags,
  envTargetFromSource,
  envTargetHasReward,
  makeEnvTarget,
  NO_REWARD_TEXT,
} from '../config/task.js';
import { assertSpecsMatch } from '../core/spec.js';
import {
  addEnvTargetOptions,
  info,
  integer,
  positiveInt,
  progressBar,
  report,
  runCommand,
} from './common.js';

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
  const command = program
    .command('demos')
    .description(
      'roll a policy out on a built-in task or an MJCF robot into a demo file (MCAP); rewards kept for evaluation',
    )
    .requiredOption('--policy <file>', 'policy file (e.g. experts/hopper.policy)');
  addEnvTargetOptions(command, 'the one the policy was trained on');
  command
    .option('--episodes <n>', 'episodes to record', positiveInt('--episodes'), 25)
    .option('--out <file>', 'demo file to write (default demos/<task or model name>.mcap)')
    .addOption(
      new Option('--mode <mode>', 'action mode')
        .choices(['deterministic', 'stochastic'])
        .default('deterministic'),
    )
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
export interface DemosOptions {
  readonly policy: string;
  /** Built-in task; or `model`/`taskConfig`; none: what the policy was trained on. */
  readonly task?: string | undefined;
  readonly model?: string | undefined;
  readonly taskConfig?: string | undefined;
  readonly episodes: number;
  /** Default demos/<task or model name>.mcap. */
  readonly out?: string | undefined;
  readonly mode: 'deterministic' | 'stochastic';
  readonly seed: number;
  readonly backend: string;
}

/** Records `episodes` episodes of the policy (see the file comment). */
export async function runDemos(opts: DemosOptions): Promise<DemosResult> {
  const [{ mkdirSync }, { dirname }, backendMod, learn, policyFile, ev, { DemoWriter }, traj] =
    await Promise.all([
      import('node:fs'),
      import('node:path'),
      import('../learn/backend.js'),
      import('../learn/index.js'),
      import('../data/policy-file.js'),
      import('../learn/evaluate.js'),
      import('../data/demo-writer.js'),
      import('../core/trajectory.js'),
    ]);
  const record = await policyFile.readPolicyFile(opts.policy);
  const target = envTargetFromFlags(opts, 'demos') ?? envTargetFromSource(record.spec.source, opts.policy);
  const withReward = envTargetHasReward(target);
  const name = target.kind === 'task' ? target.task : basename(target.model, extname(target.model));
  const out = opts.out ?? `demos/${name}.mcap`;
  const env = await makeEnvTarget(target, { seed: opts.seed });
  const spec = env.spec;
  const obsDim = spec.observation.names.length;
  const actDim = spec.action.names.length;
  const { low, high } = spec.action;
  try {
    assertSpecsMatch(`${opts.policy} vs the env`, spec, record.spec);
    const backend = await backendMod.useBackend(backendMod.parseBackendChoice(opts.backend));
    info(backend.description);
    const policy = learn.policyFromRecord(record, opts.seed, true);
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
