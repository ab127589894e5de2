/**
 * An expert trained on a built-in task's true reward with PPO or TRPO, as the GAIL paper made its experts
 * (Ho & Ermon 2016, §6), under the run layer. One round, in order:
 *
 *   1. collect   τ ~ π_θ: T steps of N envs through the rollout collector (streams/collector.ts), the
 *                task's reward, no absorbing states (episode ends as the task says)
 *   2. policy    PolicyLearner.update(batch)                        (PPO or TRPO, same interface)
 *   3. evaluate  every `checkpointEvery` rounds and at the end: deterministic return on fixed seeds; the
 *                best so far is the run's policy.policy (PPO's last iterate is not always its best)
 *   4. metrics   episodes' return and length, steps/s, the learner's statistics
 *
 * With `reward` (a reward file of `train --algo airl` or `--algo gail`, src/data/reward-file.ts) step 2
 * learns from the learned reward instead of the task's: AIRL's r_t = g(s_t) on the state the action was
 * taken in (Fu et al. 2018 re-optimise the state-only g on the new dynamics), GAIL's r_t = r(D(s_t, a_t))
 * as in its training; a terminated episode is worth the absorbing state's r_abs/(1 − γ) from then on
 * (Kostrikov et al. 2019; the same pricing GAIL's round uses), not 0; without absorbing states in the
 * file a terminated step is a plain terminal (value 0). Episode returns
 * and evaluations stay on the task's true reward, which is what the run reports (docs/airl.md).
 */
import { Subscription } from 'rxjs';
import { makeEnvTargetWorkers } from '../config/task.js';
import { GailBridgeError } from '../core/errors.js';
import type { PolicyRecord } from '../data/policy-file.js';
import { readRewardFile } from '../data/reward-file.js';
import { LearnedReward } from '../gail/learned-reward.js';
import { absorbingValue } from '../gail/rewards.js';
import { parseBackendChoice, useBackend } from '../learn/backend.js';
import { evaluate, meanStd } from '../learn/evaluate.js';
import { GaussianPolicy } from '../learn/gaussian-policy.js';
import { namedArray, takeArray } from '../learn/named-arrays.js';
import { policyToRecord } from '../learn/policy-record.js';
import { PPO_DEFAULTS, PpoLearner } from '../learn/ppo.js';
import { TRPO_DEFAULTS, TrpoLearner } from '../learn/trpo.js';
import type { RolloutBatch } from '../learn/types.js';
import type { TrainingAlgorithm } from '../run/algorithm.js';
import { makeTaskEnv } from '../sim/tasks/index.js';
import type { Env } from '../sim/types.js';
import { collectRollouts, type Rollout } from '../streams/collector.js';
import { type BatchEnv, envSource, envsAsBatch, vecEnvAsBatch } from '../streams/env-source.js';

/** Policy optimisers an expert trains with. */
export const EXPERT_ALGOS = {
  ppo: 'Proximal Policy Optimization (default)',
  trpo: 'Trust Region Policy Optimization, as in the GAIL paper',
} as const;
export type ExpertAlgo = keyof typeof EXPERT_ALGOS;

/** The `expert` command's settings, as config.json stores them. */
export interface ExpertSettings {
  /** Built-in task name. */
  readonly task: string;
  /** Policy optimiser; default ppo. */
  readonly algo: ExpertAlgo;
  /** Env steps to train for, all envs together; default 1 000 000. */
  readonly steps: number;
  /** Envs stepped side by side (N); default 4. */
  readonly envs: number;
  /** Steps per env per update (T; N·T samples per update); default 512 for PPO, 1250 for TRPO. */
  readonly rolloutSteps: number;
  /** Hidden widths of the policy and value networks; default [64, 64]. */
  readonly hidden: readonly number[];
  /** PPO: Adam step size (default 3e-4, annealed); TRPO: the value net's (default 1e-3). */
  readonly lr: number;
  /** PPO minibatches per epoch; default 32 (unused by TRPO). */
  readonly minibatches: number;
  /** PPO: scale rewards by the running std of the discounted return (Engstrom et al. 2020); default false. */
  readonly normalizeRewards: boolean;
  readonly seed: number;
  /** TensorFlow.js backend: auto | tensorflow | wasm | cpu. */
  readonly backend: string;
  /** Updates between evaluations and checkpoints; default 10. */
  readonly checkpointEvery: number;
  /** Deterministic episodes per evaluation; default 10. */
  readonly evalEpisodes: number;
  /**
   * A reward file (`train --algo airl` writes RUN/reward.reward) whose learned g(s) the policy optimises
   * instead of the task's reward (which still scores episodes and evaluations); undefined: the task's.
   */
  readonly reward?: string | undefined;
  /**
   * Collect from ROS 2 simulator nodes (expert --ros) in lock-step, on the task's reward they publish in
   * their SimSteps; `task` is what they serve (evaluation stays in-process). Undefined: in-process envs.
   */
  readonly ros?: {
    readonly config: string;
    readonly namespaces: readonly string[];
    readonly simNode: string;
  };
}

/** Fills defaults (some depend on the algorithm) and validates, naming the option. */
export function resolveExpertSettings(
  partial: Partial<ExpertSettings> & Pick<ExpertSettings, 'task'>,
): ExpertSettings {
  const algo = partial.algo ?? 'ppo';
  if (!Object.hasOwn(EXPERT_ALGOS, algo))
    throw new GailBridgeError('config', `--algo: expected ppo or trpo, got ${String(algo)}`);
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const c: ExpertSettings = {
    algo,
    steps: 1_000_000,
    envs: 4,
    rolloutSteps: algo === 'ppo' ? 512 : 1250,
    hidden: [64, 64],
    lr: algo === 'ppo' ? PPO_DEFAULTS.learningRate : TRPO_DEFAULTS.valueLearningRate,
    minibatches: PPO_DEFAULTS.numMinibatches,
    normalizeRewards: false,
    seed: 0,
    backend: 'auto',
    checkpointEvery: 10,
    evalEpisodes: 10,
    reward: undefined,
    ros: undefined,
    ...defined,
    task: partial.task,
  };
  if (c.ros !== undefined) {
    if (partial.envs !== undefined && partial.envs !== c.ros.namespaces.length)
      throw new GailBridgeError(
        'usage',
        `--envs ${partial.envs} with --ros: one env per namespace (${c.ros.namespaces.length}); leave --envs out`,
      );
    (c as { envs: number }).envs = c.ros.namespaces.length;
  }
  const known = new Set(Object.keys(c));
  const unknown = Object.keys(partial).filter((k) => !known.has(k));
  if (unknown.length > 0)
    throw new GailBridgeError(
      'config',
      `expert settings: unknown ${unknown.map((k) => `"${k}"`).join(', ')}`,
    );
  const bad = (flag: string, value: unknown, want: string) =>
    new GailBridgeError('config', `${flag}: expected ${want}, got ${String(value)}`);
  for (const [flag, v] of [
    ['--steps', c.steps],
    ['--envs', c.envs],
    ['--rollout-steps', c.rolloutSteps],
    ['--minibatches', c.minibatches],
    ['--checkpoint-every', c.checkpointEvery],
    ['--eval-episodes', c.evalEpisodes],
  ] as const)
    if (!Number.isInteger(v) || v <= 0) throw bad(flag, v, 'a positive integer');
  if (!(c.lr > 0 && Number.isFinite(c.lr))) throw bad('--lr', c.lr, 'a positive number');
  if (!Number.isInteger(c.seed) || c.seed < 0) throw bad('--seed', c.seed, 'an integer ≥ 0');
  if (!c.hidden.every((h) => Number.isInteger(h) && h > 0))
    throw bad('--hidden', c.hidden.join(','), 'comma-separated positive integers');
  if (c.reward !== undefined && (typeof c.reward !== 'string' || c.reward === ''))
    throw bad('--reward', c.reward, 'the path of a reward file (train --algo airl: RUN/reward.reward)');
  return Object.freeze({ ...c, hidden: [...c.hidden] });
}

/** Where the expert's time went, and its best evaluation. */
export interface ExpertState {
  /** Wall-clock in learner updates, and in evaluations, this segment (seconds). */
  readonly learnerSeconds: number;
  readonly evaluationSeconds: number;
  /** The latest deterministic evaluation of this segment (NaN before the first). */
  readonly lastEval: { readonly mean: number; readonly std: number };
  /** The best deterministic evaluation so far (−Infinity before the first) and when it was taken. */
  readonly best: { readonly mean: number; readonly std: number; readonly length: number };
  readonly bestAtSteps: number;
}

export interface ExpertAlgorithm extends TrainingAlgorithm {
  readonly backend: string;
  readonly state: () => ExpertState;
}

/** Builds the expert for `s`: backend, envs, policy and learner. */
export async function expertAlgorithm(
  s: ExpertSettings,
  options: {
    readonly log?: (line: string) => void;
    /**
     * Worker threads that step the envs (sim/vec-env.ts); 0 (default) steps them in the training thread.
     * Not a setting: the episodes, and so the run, are the same either way (env-source.ts
     * `vecEnvAsBatch`). Ignored over ROS 2.
     */
    readonly workers?: number;
  } = {},
): Promise<ExpertAlgorithm> {
  const log = options.log ?? (() => {});
  const backend = await useBackend(parseBackendChoice(s.backend));
  log(backend.description);
  const probe = await makeTaskEnv(s.task, { seed: s.seed });
  const spec = probe.spec;
  probe.dispose();
  const perUpdate = s.envs * s.rolloutSteps;
  const obsDim = spec.observation.names.length;
  const gamma = s.algo === 'ppo' ? PPO_DEFAULTS.gamma : TRPO_DEFAULTS.gamma;
  let learned: LearnedReward | undefined;
  if (s.reward !== undefined) {
    const record = await readRewardFile(s.reward, {
      expectObsDim: obsDim,
      expectActDim: spec.action.names.length,
      env: `task ${s.task}`,
    });
    learned = new LearnedReward(record);
    const from = record.training.extra?.['task'] ?? '?';
    const what =
      record.architecture.kind === 'airl-state-only'
        ? 'g(s) (AIRL)'
        : `D(s, a) → ${record.architecture.reward} (GAIL)`;
    log(
      `reward: ${what} of ${s.reward}, learned on ${from}, γ ${record.gamma}` +
        `${learned.absorbing ? `, r(s_abs) ${learned.absorbingReward().toFixed(3)}` : ''}; ` +
        `the task's reward only scores episodes and evaluations`,
    );
    if (record.gamma !== gamma)
      log(`reward: learned with γ ${record.gamma}, optimised with the ${s.algo} learner's γ ${gamma}`);
  }
  const policy = new GaussianPolicy(
    { obsDim: spec.observation.names.length, actDim: spec.action.names.length, hiddenSizes: s.hidden },
    s.seed,
  );
  const learner =
    s.algo === 'ppo'
      ? new PpoLearner(policy, {
          seed: s.seed,
          totalUpdates: Math.max(1, Math.ceil(s.steps / perUpdate)),
          valueHiddenSizes: s.hidden,
          learningRate: s.lr,
          numMinibatches: s.minibatches,
          normalizeRewards: s.normalizeRewards,
        })
      : new TrpoLearner(policy, { seed: s.seed, valueHiddenSizes: s.hidden, valueLearningRate: s.lr });
  const evalEnvs = await Promise.all(
    Array.from({ length: Math.min(s.evalEpisodes, 4) }, (_, i) => makeTaskEnv(s.task, { seed: 10_000 + i })),
  );

  let best = { mean: Number.NEGATIVE_INFINITY, std: Number.NaN, length: Number.NaN };
  let lastEval = { mean: Number.NaN, std: Number.NaN };
  let bestAtSteps = 0;
  /** The best policy as a file record, when this segment found one; written as policy.policy. */
  let bestRecord: PolicyRecord | undefined;
  let learnerMs = 0;
  let evaluationMs = 0;
  let trainedOnce = false;
  let latestSteps = 0;

  /** Deterministic return on fixed seeds, with the normaliser frozen so evaluation does not train it. */
  const evaluateNow = (): { mean: number; std: number; length: number } => {
    const t0 = performance.now();
    const frozen = policy.obsNorm.frozen;
    policy.obsNorm.frozen = true;
    try {
      const ev = evaluate(
        evalEnvs,
        (obs, n) => policy.act(obs, n, 'deterministic').actions,
        s.evalEpisodes,
        1_000_000,
      );
      return { ...meanStd([...ev.returns]), length: meanStd([...ev.lengths]).mean };
    } finally {
      policy.obsNorm.frozen = frozen;
      evaluationMs += performance.now() - t0;
    }
  };
  /** Evaluates; keeps the policy when it is the best so far. */
  const evaluateAndKeep = (envSteps: number, wallSeconds: number): { mean: number; length: number } => {
    const e = evaluateNow();
    lastEval = { mean: e.mean, std: e.std };
    if (e.mean >= best.mean) {
      best = e;
      bestAtSteps = envSteps;
      bestRecord = policyToRecord(policy, spec, {
        algo: s.algo,
        envSteps,
        seed: s.seed,
        date: new Date().toISOString(),
        evalReturn: e.mean,
        extra: { task: s.task, backend: backend.name, wallSeconds: wallSeconds.toFixed(1) },
      });
    }
    return e;
  };

  return {
    name: s.algo,
    spec,
    seed: s.seed,
    policy,
    // The learner's state plus the best evaluation ("expert/best": has one, mean, std, length, and the
    // env steps split in millions and the rest so float32 keeps them exact).
    learner: {
      toArrays: () => ({
        ...learner.toArrays(),
        'expert/best': namedArray(
          [6],
          Number.isFinite(best.mean)
            ? [1, best.mean, best.std, best.length, Math.floor(bestAtSteps / 1e6), bestAtSteps % 1e6]
            : [0, 0, 0, 0, 0, 0],
        ),
      }),
      loadArrays: (arrays) => {
        learner.loadArrays(arrays);
        const b = takeArray(arrays, 'expert/best', [6], 'expert state');
        if (b[0] === 1) {
          best = { mean: b[1]!, std: b[2]!, length: b[3]! };
          bestAtSteps = b[4]! * 1e6 + b[5]!;
        }
      },
    },
    valueHidden: s.hidden,
    budget: { unit: 'env steps', total: s.steps },
    checkpointEvery: s.checkpointEvery,
    report: {
      title: `${s.algo.toUpperCase()} expert on ${s.task}`,
      x: { key: 'envSteps', label: 'env steps' },
      charts: [
        {
          title: 'Return: episodes of the round, and deterministic evaluations',
          series: [
            { key: 'returnMean', name: 'training episodes', color: '#1f77b4' },
            { key: 'evalReturn', name: 'evaluation', color: '#2ca02c' },
          ],
        },
        { title: 'Episode length', series: [{ key: 'lengthMean', name: 'length', color: '#9467bd' }] },
        { title: 'Policy entropy', series: [{ key: 'policy/entropy', name: 'entropy', color: '#8c564b' }] },
      ],
      summary: [
        { key: 'recentReturn', name: 'return (last 20 episodes)' },
        { key: 'bestReturn', name: 'best evaluation' },
      ],
    },
    backend: backend.name,
    state: () => ({
      learnerSeconds: learnerMs / 1000,
      evaluationSeconds: evaluationMs / 1000,
      lastEval,
      best,
      bestAtSteps,
    }),
    result: () => {
      // Nothing evaluated yet in any segment (stopped early): the latest policy is all there is.
      if (bestRecord === undefined && !Number.isFinite(best.mean))
        return policyToRecord(policy, spec, {
          algo: s.algo,
          envSteps: latestSteps,
          seed: s.seed,
          date: new Date().toISOString(),
          extra: { task: s.task, backend: backend.name },
        });
      return bestRecord;
    },

    async train(start, hooks) {
      if (trainedOnce) throw new GailBridgeError('state', 'expert: train() runs once per build');
      trainedOnce = true;
      let envSteps = start.envSteps;
      let round = start.round;
      const recentReturns: number[] = [];
      const recentLengths: number[] = [];
      if (envSteps >= s.steps) return;
      const workers = options.workers ?? 0;
      const makeEnvs = async (): Promise<BatchEnv> => {
        if (s.ros) return rosEnv(s.ros);
        if (workers > 0)
          return vecEnvAsBatch(
            await makeEnvTargetWorkers({ kind: 'task', task: s.task }, { numEnvs: s.envs, workers }),
            s.seed,
          );
        const envs: Env[] = await Promise.all(
          Array.from({ length: s.envs }, (_, i) => makeTaskEnv(s.task, { seed: s.seed + i })),
        );
        return envsAsBatch(envs, s.seed);
      };
      let roundStart = performance.now();

      const oneRound = (rollout: Rollout): void => {
        // 1. collect — done by the stream.
        // 2. policy
        const t0 = performance.now();
        const batch = learned ? withLearnedReward(rollout.batch, learned, gamma) : rollout.batch;
        const stats = learner.update(batch);
        learnerMs += performance.now() - t0;
        envSteps += rollout.envSteps;
        round++;
        latestSteps = envSteps;
        // 3. evaluate (the budget's end always is)
        let evaluation = { mean: Number.NaN, length: Number.NaN };
        if (round % s.checkpointEvery === 0 || envSteps >= s.steps)
          evaluation = evaluateAndKeep(envSteps, hooks.wallSeconds());
        // 4. metrics
        const returns = rollout.episodes.filter((e) => e.end !== 'diverged').map((e) => e.return);
        for (const e of rollout.episodes) {
          recentReturns.push(e.return);
          recentLengths.push(e.length);
        }
        recentReturns.splice(0, Math.max(0, recentReturns.length - 20));
        recentLengths.splice(0, Math.max(0, recentLengths.length - 20));
        const now = performance.now();
        hooks.onRound(
          { round, envSteps },
          {
            stepsPerSecond: rollout.envSteps / Math.max(1e-9, (now - roundStart) / 1000),
            episodes: rollout.episodes.length,
            returnMean: returns.length > 0 ? meanStd(returns).mean : Number.NaN,
            lengthMean:
              rollout.episodes.length > 0 ? meanStd(rollout.episodes.map((e) => e.length)).mean : Number.NaN,
            recentReturn: recentReturns.length > 0 ? meanStd(recentReturns).mean : Number.NaN,
            recentLength: recentLengths.length > 0 ? meanStd(recentLengths).mean : Number.NaN,
            evalReturn: evaluation.mean,
            evalLength: evaluation.length,
            bestReturn: best.mean,
            ...(learned ? { learnedRewardMean: meanStd([...batch.rewards]).mean } : {}),
            ...Object.fromEntries(Object.entries(stats).map(([k, v]) => [`policy/${k}`, v])),
          },
        );
        roundStart = performance.now();
      };

      await new Promise<void>((resolve, reject) => {
        // Rounds run synchronously inside `next`, so the next rollout is acted by the updated policy.
        const subscription = new Subscription();
        subscription.add(
          envSource(makeEnvs, policy, {
            seed: s.seed + envSteps,
          })
            .pipe(collectRollouts({ numSteps: s.rolloutSteps, absorbing: false }))
            .subscribe({
              next: (rollout) => {
                if (subscription.closed) return;
                try {
                  oneRound(rollout);
                } catch (err) {
                  subscription.unsubscribe();
                  reject(err);
                  return;
                }
                if (envSteps >= s.steps || hooks.shouldStop()) {
                  subscription.unsubscribe();
                  resolve();
                }
              },
              error: reject,
              complete: resolve,
            }),
        );
      });
    },

    dispose() {
      for (const e of evalEnvs) e.dispose();
      learner.dispose();
      policy.dispose();
      learned?.dispose();
    },
  };
}

/**
 * `batch` with the learned reward in place of the task's: r_t = r(s_t, a_t), and with absorbing states the
 * value after a terminated step V(s_abs) = r_abs/(1 − γ) (see the file comment).
 */
export function withLearnedReward(batch: RolloutBatch, reward: LearnedReward, gamma: number): RolloutBatch {
  const n = batch.numSteps * batch.numEnvs;
  const rewards = reward.rewards(batch.obs, batch.actions, n);
  if (!reward.absorbing) return { ...batch, rewards };
  const value = absorbingValue(reward.absorbingReward(), gamma);
  const terminalValue = new Float32Array(n);
  for (let k = 0; k < n; k++) if (batch.terminated[k]) terminalValue[k] = value;
  return { ...batch, rewards, terminalValue };
}

/** The simulators of `expert --ros`, stepped in lock-step on a learner node of their graph. */
async function rosEnv(ros: NonNullable<ExpertSettings['ros']>): Promise<BatchEnv> {
  const [{ loadRobotConfig }, { createRclnodejsBus }, { RosBatchEnv }] = await Promise.all([
    import('../config/robot.js'),
    import('../ros/rclnodejs-bus.js'),
    import('../streams/ros-source.js'),
  ]);
  const config = loadRobotConfig(ros.config);
  const bus = await createRclnodejsBus('gail_bridge_expert');
  const env = new RosBatchEnv({
    bus,
    config,
    namespaces: ros.namespaces,
    timing: 'lockstep',
    simNode: ros.simNode,
  });
  return {
    numEnvs: env.numEnvs,
    obsDim: env.obsDim,
    actDim: env.actDim,
    reset: () => env.reset(),
    step: (a) => env.step(a),
    dispose: () => {
      env.dispose();
      bus.dispose();
    },
  };
}
