/**
 * `gail-bridge eval`: a policy file's return on a built-in task, over seeded episodes, with the
 * normalised score of specs/gymnasium-tasks.md: (R − R_random) / (R_expert − R_random), where R_random
 * is measured here with a uniform random policy over the same episodes (same reset seeds) and R_expert
 * is the evaluation return stored in the expert's policy file (default experts/<task>.policy).
 */
import { existsSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { GailBridgeError } from '../core/errors.js';
import { info, integer, positiveInt, report, runCommand } from './common.js';

/** What `eval` prints (and with --json, exactly this object). */
export interface EvalResult {
  readonly policy: string;
  readonly task: string;
  readonly episodes: number;
  readonly mode: 'deterministic' | 'stochastic';
  readonly return: { mean: number; std: number };
  readonly length: { mean: number; std: number };
  readonly returns: readonly number[];
  readonly lengths: readonly number[];
  readonly ends: Readonly<Record<string, number>>;
  readonly randomReturn: { mean: number; std: number };
  /** R_expert used for the score, and where it came from; null when none was found. */
  readonly expertReturn: number | null;
  readonly expertSource: string | null;
  readonly normalizedScore: number | null;
}

/** The flags of `eval` as commander parses them. */
interface EvalFlags extends EvalOptions {
  readonly json: boolean;
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('evaluate a policy file on a built-in task: return mean ± std, lengths, normalised score')
    .requiredOption('--policy <file>', 'policy file')
    .requiredOption('--task <name>', 'built-in task')
    .option('--episodes <n>', 'episodes', positiveInt('--episodes'), 10)
    .addOption(
      new Option('--mode <mode>', 'action mode')
        .choices(['deterministic', 'stochastic'])
        .default('deterministic'),
    )
    .option(
      '--expert <file>',
      'expert policy file whose stored return is R_expert (default experts/<task>.policy)',
    )
    .option('--expert-return <R>', 'R_expert for the normalised score (overrides --expert)', Number)
    .option('--envs <n>', 'envs stepped side by side', positiveInt('--envs'), 4)
    .option('--seed <n>', 'seed of the first episode (episode e uses seed + e)', integer('--seed'), 1_000_000)
    .option('--backend <name>', 'TensorFlow.js backend: auto, tensorflow, wasm, cpu', 'auto')
    .option('--json', 'print the result as one JSON object on stdout', false)
    .action((o: EvalFlags) =>
      runCommand(async () => {
        const r = await runEval(o);
        report(o.json, r, () => {
          const score =
            r.normalizedScore === null
              ? 'normalised score: n/a (no expert return; pass --expert or --expert-return)'
              : `normalised score: ${r.normalizedScore.toFixed(3)} (R_random ${r.randomReturn.mean.toFixed(1)}, R_expert ${r.expertReturn} from ${r.expertSource})`;
          return [
            `${r.policy} on ${r.task}, ${r.episodes} episodes (${r.mode})`,
            `  return ${r.return.mean.toFixed(1)} ± ${r.return.std.toFixed(1)}`,
            `  length ${r.length.mean.toFixed(1)} ± ${r.length.std.toFixed(1)}; ends ${JSON.stringify(r.ends)}`,
            `  ${score}`,
          ].join('\n');
        });
      }),
    );
}

/** Options of `runEval` (the command's flags). */
export interface EvalOptions {
  readonly policy: string;
  readonly task: string;
  readonly episodes: number;
  readonly mode: 'deterministic' | 'stochastic';
  readonly expert?: string | undefined;
  readonly expertReturn?: number | undefined;
  readonly envs: number;
  readonly seed: number;
  readonly backend: string;
}

/** Evaluates a policy file (see the file comment). */
export async function runEval(opts: EvalOptions): Promise<EvalResult> {
  const [backendMod, { makeTaskEnv }, learn, policyFile, ev] = await Promise.all([
    import('../learn/backend.js'),
    import('../sim/tasks/index.js'),
    import('../learn/index.js'),
    import('../data/policy-file.js'),
    import('../learn/evaluate.js'),
  ]);
  const envs = await Promise.all(
    Array.from({ length: Math.min(opts.envs, opts.episodes) }, (_, i) => makeTaskEnv(opts.task, { seed: i })),
  );
  try {
    const record = await policyFile.readPolicyFile(opts.policy, { expectSpec: envs[0]!.spec });
    const backend = await backendMod.useBackend(backendMod.parseBackendChoice(opts.backend));
    info(backend.description);
    const policy = learn.policyFromRecord(record, opts.seed, true);
    let result: ReturnType<typeof ev.evaluate>;
    try {
      result = ev.evaluate(envs, (obs, n) => policy.act(obs, n, opts.mode).actions, opts.episodes, opts.seed);
    } finally {
      policy.dispose();
    }
    const random = ev.evaluate(envs, ev.uniformRandomAct(envs[0]!, opts.seed), opts.episodes, opts.seed);

    let expertReturn: number | null = null;
    let expertSource: string | null = null;
    if (opts.expertReturn !== undefined) {
      if (!Number.isFinite(opts.expertReturn))
        throw new GailBridgeError('config', `--expert-return: expected a number, got ${opts.expertReturn}`);
      expertReturn = opts.expertReturn;
      expertSource = '--expert-return';
    } else {
      const path = opts.expert ?? `experts/${opts.task}.policy`;
      if (existsSync(path)) {
        const expert = await policyFile.readPolicyFile(path, { expectSpec: envs[0]!.spec });
        if (expert.training.evalReturn !== undefined) {
          expertReturn = expert.training.evalReturn;
          expertSource = path;
        } else info(`${path} stores no evaluation return; the normalised score is omitted`);
      } else if (opts.expert) {
        throw new GailBridgeError('file', `--expert ${opts.expert}: no such file`);
      }
    }
    const ends: Record<string, number> = {};
    for (const e of result.ends) ends[e] = (ends[e] ?? 0) + 1;
    const ret = ev.meanStd([...result.returns]);
    const randomReturn = ev.meanStd([...random.returns]);
    return {
      policy: opts.policy,
      task: opts.task,
      episodes: opts.episodes,
      mode: opts.mode,
      return: ret,
      length: ev.meanStd([...result.lengths]),
      returns: result.returns,
      lengths: result.lengths,
      ends,
      randomReturn,
      expertReturn,
      expertSource,
      normalizedScore:
        expertReturn === null ? null : ev.normalizedScore(ret.mean, randomReturn.mean, expertReturn),
    };
  } finally {
    for (const e of envs) e.dispose();
  }
}
