/**
 * `gail-bridge demos`: rolls a policy out on a built-in task and writes the episodes as a demo file
 * (MCAP + protobuf, src/data). Rewards are stored for evaluation only; GAIL never reads them. The
 * actions stored are the ones the env applied (clipped to the action bounds), since those are what
 * an expert demonstrably did.
 */
import { type Command, Option } from 'commander';
import { info, integer, positiveInt, progressBar, report, runCommand } from './common.js';

/** What `demos` prints (and with --json, exactly this object). */
export interface DemosResult {
  readonly out: string;
  readonly policy: string;
  readonly task: string;
  readonly episodes: number;
  readonly steps: number;
  readonly return: { mean: number; std: number };
  readonly ends: Readonly<Record<string, number>>;
}

/** The flags of `demos` as commander parses them (`out` defaults to demos/<task>.mcap). */
interface DemosFlags extends Omit<DemosOptions, 'out'> {
  readonly out?: string;
  readonly json: boolean;
}

export function register(program: Command): void {
  program
    .command('demos')
    .description('roll a policy out on a built-in task into a demo file (MCAP); rewards kept for evaluation')
    .requiredOption('--policy <file>', 'policy file (e.g. experts/hopper.policy)')
    .requiredOption('--task <name>', 'built-in task')
    .option('--episodes <n>', 'episodes to record', positiveInt('--episodes'), 25)
    .option('--out <file>', 'demo file to write (default demos/<task>.mcap)')
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
        const r = await runDemos({ ...o, out: o.out ?? `demos/${o.task}.mcap` });
        report(
          o.json,
          r,
          () =>
            `${r.out}: ${r.episodes} episodes, ${r.steps} steps, return ${r.return.mean.toFixed(1)} ± ` +
            `${r.return.std.toFixed(1)}, ends ${JSON.stringify(r.ends)}`,
        );
      }),
    );
}

/** Options of `runDemos` (the command's flags). */
export interface DemosOptions {
  readonly policy: string;
  readonly task: string;
  readonly episodes: number;
  readonly out: string;
  readonly mode: 'deterministic' | 'stochastic';
  readonly seed: number;
  readonly backend: string;
}

/** Records `episodes` episodes of the policy (see the file comment). */
export async function runDemos(opts: DemosOptions): Promise<DemosResult> {
  const [
    { mkdirSync },
    { dirname },
    backendMod,
    { makeTaskEnv },
    learn,
    policyFile,
    ev,
    { DemoWriter },
    traj,
  ] = await Promise.all([
    import('node:fs'),
    import('node:path'),
    import('../learn/backend.js'),
    import('../sim/tasks/index.js'),
    import('../learn/index.js'),
    import('../data/policy-file.js'),
    import('../learn/evaluate.js'),
    import('../data/demo-writer.js'),
    import('../core/trajectory.js'),
  ]);
  const env = await makeTaskEnv(opts.task, { seed: opts.seed });
  const spec = env.spec;
  const obsDim = spec.observation.names.length;
  const actDim = spec.action.names.length;
  const { low, high } = spec.action;
  try {
    const record = await policyFile.readPolicyFile(opts.policy, { expectSpec: spec });
    const backend = await backendMod.useBackend(backendMod.parseBackendChoice(opts.backend));
    info(backend.description);
    const policy = learn.policyFromRecord(record, opts.seed, true);
    mkdirSync(dirname(opts.out) || '.', { recursive: true });
    const writer = await DemoWriter.create(opts.out, { spec });
    const returns: number[] = [];
    const ends: Record<string, number> = {};
    let steps = 0;
    const bar = progressBar(opts.episodes, `demos ${opts.task}`, ['return']);
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
          rewards: Float32Array.from(rewards),
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
        bar.update(e + 1, { return: ret.toFixed(1) });
      }
    } finally {
      bar.stop();
      policy.dispose();
      await writer.close();
    }
    return {
      out: opts.out,
      policy: opts.policy,
      task: opts.task,
      episodes: opts.episodes,
      steps,
      return: ev.meanStd(returns),
      ends,
    };
  } finally {
    env.dispose();
  }
}
