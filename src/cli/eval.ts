/**
 * `gail-bridge eval`: a policy file's return on a built-in task (or its episode lengths and ends on an
 * MJCF robot, which has no reward), over seeded episodes, with the normalised score of
 * specs/gymnasium-tasks.md: (R − R_random) / (R_expert − R_random), where R_random is measured here with a
 * uniform random policy over the same episodes (same reset seeds) and R_expert is the evaluation return
 * stored in the expert's policy file (default experts/<task>.policy). Without --task or --model, the
 * policy runs on what it was trained on (its spec's source).
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { describeEnvTarget, envTargetHasReward, makeEnvTarget, NO_REWARD_TEXT } from '../config/task.js';
import { GailBridgeError } from '../core/errors.js';
import { info, integer, modeOption, positiveInt, report, runCommand } from './common.js';
import {
  frozenPolicyOnEnv,
  type PolicyOnEnvOptions,
  policyOnEnvCommand,
  readPolicyOnEnv,
} from './policy-on-env.js';

/** What `eval` prints (and with --json, exactly this object). */
export interface EvalResult {
  readonly policy: string;
  /** What it ran on: the task's name, or "model robot.xml (task config task.yaml)". */
  readonly task: string;
  readonly episodes: number;
  readonly mode: 'deterministic' | 'stochastic';
  /** Null when the env has no reward (an MJCF robot): no return is reported. */
  readonly return: { mean: number; std: number } | null;
  readonly length: { mean: number; std: number };
  /** Empty when the env has no reward. */
  readonly returns: readonly number[];
  readonly lengths: readonly number[];
  readonly ends: Readonly<Record<string, number>>;
  readonly randomReturn: { mean: number; std: number } | null;
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
  policyOnEnvCommand(
    program,
    'eval',
    'evaluate a policy file on a built-in task or an MJCF robot: return mean ± std, lengths, normalised score',
    'policy file',
    { help: 'episodes', default: 10 },
  )
    .addOption(modeOption())
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
          const length = `  length ${r.length.mean.toFixed(1)} ± ${r.length.std.toFixed(1)}; ends ${JSON.stringify(r.ends)}`;
          const head = `${r.policy} on ${r.task}, ${r.episodes} episodes (${r.mode})`;
          if (r.return === null) return [head, `  ${NO_REWARD_TEXT}`, length].join('\n');
          const score =
            r.normalizedScore === null || r.randomReturn === null
              ? 'normalised score: n/a (no expert return; pass --expert or --expert-return)'
              : `normalised score: ${r.normalizedScore.toFixed(3)} (R_random ${r.randomReturn.mean.toFixed(1)}, R_expert ${r.expertReturn} from ${r.expertSource})`;
          return [
            head,
            `  return ${r.return.mean.toFixed(1)} ± ${r.return.std.toFixed(1)}`,
            length,
            `  ${score}`,
          ].join('\n');
        });
      }),
    );
}

/** Options of `runEval` (the command's flags). */
export interface EvalOptions extends PolicyOnEnvOptions {
  readonly expert?: string | undefined;
  readonly expertReturn?: number | undefined;
  readonly envs: number;
}

/** Evaluates a policy file (see the file comment). */
export async function runEval(opts: EvalOptions): Promise<EvalResult> {
  const [policyFile, ev] = await Promise.all([
    import('../data/policy-file.js'),
    import('../learn/evaluate.js'),
  ]);
  const { record, target } = await readPolicyOnEnv(opts, 'eval');
  const withReward = envTargetHasReward(target);
  const envs = await Promise.all(
    Array.from({ length: Math.min(opts.envs, opts.episodes) }, (_, i) => makeEnvTarget(target, { seed: i })),
  );
  try {
    const policy = await frozenPolicyOnEnv(record, opts, envs[0]!.spec);
    let result: ReturnType<typeof ev.evaluate>;
    try {
      result = ev.evaluate(envs, (obs, n) => policy.act(obs, n, opts.mode).actions, opts.episodes, opts.seed);
    } finally {
      policy.dispose();
    }
    const ends: Record<string, number> = {};
    for (const e of result.ends) ends[e] = (ends[e] ?? 0) + 1;
    const common = {
      policy: opts.policy,
      task: describeEnvTarget(target),
      episodes: opts.episodes,
      mode: opts.mode,
      length: ev.meanStd([...result.lengths]),
      lengths: result.lengths,
      ends,
    };
    if (!withReward)
      return {
        ...common,
        return: null,
        returns: [],
        randomReturn: null,
        expertReturn: null,
        expertSource: null,
        normalizedScore: null,
      };
    const random = ev.evaluate(envs, ev.uniformRandomAct(envs[0]!, opts.seed), opts.episodes, opts.seed);

    let expertReturn: number | null = null;
    let expertSource: string | null = null;
    if (opts.expertReturn !== undefined) {
      if (!Number.isFinite(opts.expertReturn))
        throw new GailBridgeError('usage', `--expert-return: expected a number, got ${opts.expertReturn}`);
      expertReturn = opts.expertReturn;
      expertSource = '--expert-return';
    } else {
      const path = opts.expert ?? (target.kind === 'task' ? `experts/${target.task}.policy` : undefined);
      if (path !== undefined && existsSync(path)) {
        const expert = await policyFile.readPolicyFile(path, { expectSpec: envs[0]!.spec });
        if (expert.training.evalReturn !== undefined) {
          expertReturn = expert.training.evalReturn;
          expertSource = path;
        } else info(`${path} stores no evaluation return; the normalised score is omitted`);
      } else if (opts.expert) {
        throw new GailBridgeError('file', `--expert ${opts.expert}: no such file`);
      }
    }
    const ret = ev.meanStd([...result.returns]);
    const randomReturn = ev.meanStd([...random.returns]);
    return {
      ...common,
      return: ret,
      returns: result.returns,
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
