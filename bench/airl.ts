/**
 * `npm run bench -- airl`: the reward-transfer experiment of AIRL (Fu, Luo & Levine 2018, Sec. 7.2):
 * learn a reward from demonstrations on one dynamics, optimise it from scratch with PPO on changed
 * dynamics, and compare with GAIL's discriminator reward optimised there the same way (the paper: AIRL's
 * transfers, GAIL's does not). Per seed, in run folders under --runs-dir (one per step, as the commands
 * make them, so `--resume` reuses every finished one and continues a cut one from its checkpoint):
 *
 *   1. airl     train --algo airl on --source from demos/<source>.mcap      → reward.reward (g(s))
 *   2. gail     train --algo gail, the same settings                         → reward.reward (D(s, a))
 *   3. airl→T   expert --task <target> --reward airl/reward.reward           (PPO from scratch)
 *   4. gail→T   expert --task <target> --reward gail/reward.reward
 *   5. ppo→T    expert --task <target> on the target's true reward           (the reference)
 *
 * Rows: each method's deterministic return on the task's true reward (the imitation runs on the source,
 * the re-optimisations on the target, from the run's last state, checkpoint.policy, not the best
 * evaluation the expert command keeps as policy.policy, since choosing by true return would leak the task
 * reward into a learned-reward run), mean ± std over seeds with each seed's return, and a uniform random
 * policy on the target. Default: Ant → ant-disabled (the paper's pair), 3 seeds, 1M steps each step.
 *
 * Its own flags, after `airl`: see AIRL_BENCH_FLAGS_HELP. Ctrl-C stops after the round in progress.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { airlAlgorithm } from '../src/algos/airl.js';
import { type ExpertSettings, expertAlgorithm, resolveExpertSettings } from '../src/algos/expert.js';
import { gailAlgorithm } from '../src/algos/gail.js';
import { GailBridgeError } from '../src/core/errors.js';
import { readPolicyFile } from '../src/data/policy-file.js';
import { resolveAirlConfig } from '../src/gail/airl-config.js';
import { type GailConfig, resolveGailConfig } from '../src/gail/config.js';
import { evaluate, meanStd, uniformRandomAct } from '../src/learn/evaluate.js';
import { policyFromRecord } from '../src/learn/policy-record.js';
import type { TrainingAlgorithm } from '../src/run/algorithm.js';
import { createRunFolder, readMetricsRows, readRunConfig, runPath } from '../src/run/folder.js';
import { runTraining } from '../src/run/run.js';
import { StopRequest } from '../src/run/stop.js';
import { isTaskName, makeTaskEnv } from '../src/sim/tasks/index.js';
import { AIRL_BENCH_FLAGS_HELP } from './airl-flags.js';
import type { Bench, BenchContext } from './lib/bench.js';
import type { BenchReport, Column, Row, TargetSpec } from './lib/report.js';

/** The airl bench's settings (its flags). */
export interface AirlBenchOptions {
  /** Where the rewards are learned. */
  readonly source: string;
  /** Where they are optimised again (same observation and action as the source). */
  readonly target: string;
  readonly seeds: number;
  /** Env steps of each imitation run and of each re-optimisation. */
  readonly steps: number;
  readonly reoptSteps: number;
  readonly trajectories: number;
  readonly subsample: number;
  readonly excludeFailures: boolean;
  readonly evalEpisodes: number;
  /** PPO's steps per env per round, Adam step size and minibatches, for every run; undefined: defaults. */
  readonly numSteps: number | undefined;
  readonly policyLr: number | undefined;
  readonly minibatches: number | undefined;
  /** AIRL's α in the policy's reward f − α log π; undefined: 1 (the paper). */
  readonly entropyWeight: number | undefined;
  readonly runsDir: string;
  /** Reuse finished run folders, continue cut ones; without it every folder is trained again. */
  readonly resume: boolean;
}

/** Parses the bench's flags; `quick`: InvertedPendulum → itself, one seed, a few thousand steps. */
export function parseAirlBenchArgs(args: readonly string[], quick: boolean): AirlBenchOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        ...Object.fromEntries(
          [
            'source',
            'target',
            'seeds',
            'steps',
            'reopt-steps',
            'trajectories',
            'subsample',
            'eval-episodes',
            'runs-dir',
            'num-steps',
            'policy-lr',
            'minibatches',
            'entropy-weight',
          ].map((k) => [k, { type: 'string' as const }]),
        ),
        'exclude-failures': { type: 'boolean' },
        resume: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new GailBridgeError(
      'config',
      `bench airl: ${err instanceof Error ? err.message : String(err)}; its flags: ${AIRL_BENCH_FLAGS_HELP}`,
    );
  }
  const int = (flag: string, fallback: number): number => {
    const v = values[flag];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new GailBridgeError('config', `bench airl: --${flag}: expected a positive integer, got ${v}`);
    return n;
  };
  const task = (flag: string, fallback: string): string => {
    const t = (values[flag] as string | undefined) ?? fallback;
    if (!isTaskName(t)) throw new GailBridgeError('config', `bench airl: --${flag}: no built-in task "${t}"`);
    return t;
  };
  const source = task('source', quick ? 'inverted-pendulum' : 'ant');
  const optional = (flag: string): number | undefined =>
    values[flag] === undefined ? undefined : int(flag, 0);
  const lr = values['policy-lr'] as string | undefined;
  if (lr !== undefined && !(Number(lr) > 0))
    throw new GailBridgeError('config', `bench airl: --policy-lr: expected a positive number, got ${lr}`);
  const alpha = values['entropy-weight'] as string | undefined;
  if (alpha !== undefined && !(Number(alpha) >= 0 && Number(alpha) <= 1))
    throw new GailBridgeError(
      'config',
      `bench airl: --entropy-weight: expected a number in [0, 1], got ${alpha}`,
    );
  const steps = int('steps', quick ? 2048 : 1_000_000);
  return {
    source,
    target: task('target', quick ? 'inverted-pendulum' : 'ant-disabled'),
    seeds: int('seeds', quick ? 1 : 3),
    steps,
    reoptSteps: int('reopt-steps', steps),
    trajectories: int('trajectories', 4),
    subsample: int('subsample', quick ? 1 : 20),
    excludeFailures: values['exclude-failures'] === true || (!quick && source === 'ant'),
    evalEpisodes: int('eval-episodes', quick ? 2 : 10),
    numSteps: optional('num-steps'),
    policyLr: lr === undefined ? undefined : Number(lr),
    minibatches: optional('minibatches'),
    entropyWeight: alpha === undefined ? undefined : Number(alpha),
    runsDir:
      (values['runs-dir'] as string | undefined) ?? (quick ? 'runs/bench-airl-quick' : 'runs/bench-airl'),
    resume: values['resume'] === true,
  };
}

/** One run folder's plan: what to build, and what `train`/`expert` would record as its command and algo. */
interface Step {
  readonly dir: string;
  readonly command: 'train' | 'expert';
  readonly algo: string;
  readonly settings: object;
  /** Env steps at which the run is finished. */
  readonly steps: number;
  readonly build: () => Promise<TrainingAlgorithm>;
}

/**
 * Runs `step` in its folder (or reuses it: `--resume` and a checkpoint at the budget; continues one cut
 * short); false when Ctrl-C stopped it.
 */
async function runStep(
  step: Step,
  o: AirlBenchOptions,
  stop: StopRequest,
  ctx: BenchContext,
): Promise<boolean> {
  const checkpoint = runPath(step.dir, 'checkpoint');
  const resume = o.resume && existsSync(checkpoint);
  if (resume) {
    const saved = readRunConfig(step.dir);
    if (JSON.stringify(saved.settings) !== JSON.stringify(JSON.parse(JSON.stringify(step.settings))))
      throw new GailBridgeError(
        'config',
        `bench airl --resume: ${step.dir} was made with other settings; move it away or run without --resume`,
      );
    if ((await readPolicyFile(checkpoint)).training.envSteps >= step.steps) {
      ctx.log(`  ${step.dir}: finished, reused`);
      return true;
    }
  }
  ctx.log(
    `  ${step.dir}: ${resume ? 'continuing' : 'training'} (${step.command} ${step.algo}, ${step.steps} env steps)`,
  );
  const algorithm = await step.build();
  let lastLog = performance.now();
  try {
    const config = resume
      ? readRunConfig(step.dir)
      : createRunFolder(
          step.dir,
          { command: step.command, algo: step.algo, settings: step.settings },
          { force: true },
        );
    const outcome = await runTraining(algorithm, {
      dir: step.dir,
      config,
      resume,
      stop,
      onRound: (p, m) => {
        if (performance.now() - lastLog < 30_000 && p.envSteps < step.steps) return;
        lastLog = performance.now();
        const r = m['recentReturn'] ?? m['returnMean'] ?? Number.NaN;
        ctx.log(`    ${p.envSteps}/${step.steps} env steps, return ${r.toFixed(1)}`);
      },
    });
    return outcome.end === 'finished';
  } finally {
    algorithm.dispose();
  }
}

/** Deterministic return of a run's latest state (checkpoint.policy) on `task`, fixed reset seeds. */
async function lastReturn(dir: string, task: string, episodes: number): Promise<number> {
  const policy = policyFromRecord(await readPolicyFile(runPath(dir, 'checkpoint')), 0, true);
  const envs = await Promise.all([0, 1].map((i) => makeTaskEnv(task, { seed: 1_000_000 + i })));
  try {
    return meanStd([
      ...evaluate(envs, (obs, n) => policy.act(obs, n, 'deterministic').actions, episodes, 1_000_000).returns,
    ]).mean;
  } finally {
    for (const e of envs) e.dispose();
    policy.dispose();
  }
}

const METHODS = {
  airl: 'AIRL on the source (imitation)',
  gail: 'GAIL on the source (imitation)',
  'airl-target': "PPO on AIRL's reward g(s), target",
  'gail-target': "PPO on GAIL's reward D(s, a), target",
  'ppo-target': "PPO on the target's true reward",
} as const;
type Method = keyof typeof METHODS;

const COLUMNS: readonly Column[] = [
  { key: 'method', title: 'method', format: 'text' },
  { key: 'task', title: 'task', format: 'text' },
  { key: 'return', title: 'return', format: 'decimal', unit: 'deterministic true return, mean over seeds' },
  { key: 'returnStd', title: '± std', format: 'decimal' },
  { key: 'perSeed', title: 'per seed', format: 'text' },
  { key: 'envSteps', title: 'env steps', format: 'count', unit: 'of that run' },
];

export const bench: Bench = {
  name: 'airl',
  description:
    "AIRL's reward transfer (Fu et al. 2018): learn on a source task, re-optimise on changed dynamics, vs GAIL's",
  rowKeys: [],
  async run(ctx: BenchContext): Promise<BenchReport> {
    const o = parseAirlBenchArgs(ctx.options.args, ctx.options.quick);
    const stop = new StopRequest();
    const onSigint = (): void => {
      stop.request('SIGINT');
      ctx.log('airl: Ctrl-C: stopping after the round in progress');
    };
    process.on('SIGINT', onSigint);
    const returns: Record<Method, number[]> = {
      airl: [],
      gail: [],
      'airl-target': [],
      'gail-target': [],
      'ppo-target': [],
    };
    let seedsDone = 0;
    try {
      for (let seed = 0; seed < o.seeds && !stop.requested; seed++) {
        const dirOf = (m: Method) => join(o.runsDir, `${o.source}-to-${o.target}`, `${m}-s${seed}`);
        const imitation: Partial<GailConfig> & Pick<GailConfig, 'demos'> = {
          task: o.source,
          demos: `demos/${o.source}.mcap`,
          demoTrajectories: o.trajectories,
          excludeFailures: o.excludeFailures,
          subsample: o.subsample,
          steps: o.steps,
          seed,
          ...(ctx.options.quick ? { numSteps: 256, numEnvs: 2, randomEpisodes: 2 } : {}),
          ...(o.numSteps !== undefined ? { numSteps: o.numSteps } : {}),
          ...(o.policyLr !== undefined ? { policyLr: o.policyLr } : {}),
          ...(o.minibatches !== undefined ? { policyMinibatches: o.minibatches } : {}),
        };
        const airl = resolveAirlConfig({
          ...imitation,
          ...(o.entropyWeight !== undefined ? { entropyWeight: o.entropyWeight } : {}),
        });
        const gail = resolveGailConfig(imitation);
        const reopt = (reward: string | undefined): ExpertSettings =>
          resolveExpertSettings({
            task: o.target,
            steps: o.reoptSteps,
            seed,
            evalEpisodes: o.evalEpisodes,
            ...(reward === undefined ? {} : { reward }),
            ...(ctx.options.quick ? { rolloutSteps: 256, envs: 2, checkpointEvery: 2 } : {}),
            ...(o.numSteps !== undefined ? { rolloutSteps: o.numSteps } : {}),
            ...(o.policyLr !== undefined ? { lr: o.policyLr } : {}),
            ...(o.minibatches !== undefined ? { minibatches: o.minibatches } : {}),
          });
        const steps: [Method, Step, string][] = [
          [
            'airl',
            {
              dir: dirOf('airl'),
              command: 'train',
              algo: 'airl',
              settings: airl,
              steps: o.steps,
              build: () => airlAlgorithm(airl, { dir: dirOf('airl') }),
            },
            o.source,
          ],
          [
            'gail',
            {
              dir: dirOf('gail'),
              command: 'train',
              algo: 'gail',
              settings: gail,
              steps: o.steps,
              build: () => gailAlgorithm(gail, { dir: dirOf('gail') }),
            },
            o.source,
          ],
        ];
        for (const [m, from] of [
          ['airl-target', 'airl'],
          ['gail-target', 'gail'],
          ['ppo-target', undefined],
        ] as const) {
          const s = reopt(from === undefined ? undefined : runPath(dirOf(from), 'reward'));
          steps.push([
            m,
            {
              dir: dirOf(m),
              command: 'expert',
              algo: 'expert',
              settings: s,
              steps: o.reoptSteps,
              build: () => expertAlgorithm(s),
            },
            o.target,
          ]);
        }
        ctx.log(`airl: seed ${seed}: ${o.source} → ${o.target}`);
        let finished = true;
        for (const [m, step, task] of steps) {
          if (!(await runStep(step, o, stop, ctx))) {
            finished = false;
            break;
          }
          const ret = await lastReturn(step.dir, task, o.evalEpisodes);
          returns[m].push(ret);
          ctx.log(`  ${m}: return ${ret.toFixed(1)} on ${task}`);
        }
        if (finished) seedsDone++;
      }
    } finally {
      process.off('SIGINT', onSigint);
    }

    const probe = await makeTaskEnv(o.target, { seed: 7 });
    const random = meanStd([
      ...evaluate([probe], uniformRandomAct(probe, 7), o.evalEpisodes, 1_000_000).returns,
    ]).mean;
    probe.dispose();
    const rows: Row[] = (Object.keys(METHODS) as Method[])
      .filter((m) => returns[m].length > 0)
      .map((m) => {
        const s = meanStd(returns[m]);
        const onTarget = m.endsWith('-target');
        return {
          key: m,
          cells: {
            method: METHODS[m],
            task: onTarget ? o.target : o.source,
            return: s.mean,
            returnStd: returns[m].length > 1 ? s.std : null,
            perSeed: returns[m].map((r) => r.toFixed(1)).join(', '),
            envSteps: onTarget ? o.reoptSteps : o.steps,
          },
        };
      });
    rows.push({
      key: 'random-target',
      cells: {
        method: 'uniform random policy',
        task: o.target,
        return: random,
        returnStd: null,
        perSeed: '',
        envSteps: 0,
      },
    });
    const ppo = returns['ppo-target'].length > 0 ? meanStd(returns['ppo-target']).mean : Number.NaN;
    // Halfway from the random policy to PPO on the true reward (works for negative returns too).
    const targets: TargetSpec[] = Number.isFinite(ppo)
      ? [
          {
            key: 'airl-transfers',
            description: `PPO on AIRL's reward gets at least halfway from a random policy's return to PPO's on ${o.target}'s true reward (paper: AIRL transfers)`,
            column: 'return',
            comparison: 'atLeast',
            threshold: random + 0.5 * (ppo - random),
            rows: ['airl-target'],
          },
        ]
      : [];
    // Read back for the record: how many rounds each folder of the last seed holds.
    const lastSeed = Math.max(0, seedsDone - 1);
    const rounds = readMetricsRows(join(o.runsDir, `${o.source}-to-${o.target}`, `airl-s${lastSeed}`)).length;
    return {
      bench: 'airl',
      title: `AIRL reward transfer ${o.source} → ${o.target}: ${seedsDone} of ${o.seeds} seeds, ${o.steps} + ${o.reoptSteps} env steps`,
      measured: [
        `Per seed: train --algo airl and --algo gail on ${o.source} from the first ${o.trajectories} demonstrations of demos/${o.source}.mcap (1 pair in ${o.subsample}${o.excludeFailures ? ', failures excluded' : ''}), ${o.steps} env steps each; then expert --task ${o.target} (PPO from scratch) on each run's reward.reward and on the true reward, ${o.reoptSteps} env steps each.`,
        `Return: the task's true reward, deterministic, ${o.evalEpisodes} episodes on fixed reset seeds, of each run's last state (checkpoint.policy); AIRL ${rounds} rounds in the last seed's folder.`,
      ],
      backend: 'TensorFlow.js wasm, MuJoCo WASM',
      columns: COLUMNS,
      rows,
      targets,
      notes: ctx.options.quick
        ? ['--quick: a tiny run that only checks the bench works; its numbers mean nothing.']
        : [],
      samples: Object.fromEntries(Object.entries(returns).map(([k, v]) => [k, { return: v }])),
      ...(seedsDone < o.seeds ? { interrupted: `stopped after ${seedsDone} of ${o.seeds} seeds` } : {}),
    };
  },
};
