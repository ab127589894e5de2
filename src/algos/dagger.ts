/**
 * DAgger (Ross, Gordon & Bagnell 2011, "A Reduction of Imitation Learning and Structured Prediction to
 * No-Regret Online Learning", Algorithm 3.1) under the run layer, in its two uses:
 *
 * - in simulation, with `--expert P.policy`: the expert policy plays the person and labels, with its
 *   deterministic action, every state the learner visits;
 * - on a robot (HG-DAgger, Kelly et al. 2019): `deploy --corrections FILE` records what a person did
 *   while taking over, and `--corrections FILE,…` adds those labelled steps to the demonstrations.
 *
 * One run-layer round is one DAgger iteration i = 0 … K, in order:
 *
 *   1. collect    (i ≥ 1) N steps of π_i = β_i·π* + (1 − β_i)·π̂_i, β_i = β^i        (Alg. 3.1, line 4)
 *                 (round 0 is BC on the demonstrations: the paper's β_1 = 1 round, whose data the
 *                 demonstrations are; β defaults to 0, the learner alone afterwards, the variant the
 *                 paper recommends in practice, §3)
 *   2. label      D_i = {(s, π*(s))} for every visited s                            (line 5)
 *   3. aggregate  D ← D ∪ D_i, kept in the run folder as corrections.mcap           (line 6)
 *   4. retrain    π̂_{i+1} = BC on demonstrations ∪ --corrections ∪ D, from fresh weights  (line 7)
 *   5. evaluate   deterministic return on fixed seeds, normalised score
 *   6. metrics    dataset size, labelled steps, the rollouts' return, BC's losses
 *
 * The labels are the learner's whole state: a resumed run reads corrections.mcap back (its episodes
 * carry the round that collected them; a round after the checkpoint is dropped) and retrains exactly as
 * the uninterrupted run did. Retraining from fresh weights each round (rather than warm-starting) keeps
 * a round a function of its data alone, as the paper's "train classifier on D".
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TempBuffer } from '@mcap/core';
import { describeEnvTarget } from '../config/task.js';
import { selectionRecord } from '../core/demo-selection.js';
import { GailBridgeError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { assertSpecsMatch, type Spec } from '../core/spec.js';
import type { Trajectory } from '../core/trajectory.js';
import { writeFileAtomic } from '../data/atomic-file.js';
import { readDemoFile } from '../data/demo-reader.js';
import { DemoWriter } from '../data/demo-writer.js';
import { readPolicyFile } from '../data/policy-file.js';
import { parseBackendChoice, useBackend } from '../learn/backend.js';
import { BcLearner, type PairData, pairsFromTrajectories } from '../learn/bc.js';
import { collectLabelled } from '../learn/dagger-rollouts.js';
import { type ActFn, evaluate, meanStd, normalizedScore } from '../learn/evaluate.js';
import { GaussianPolicy } from '../learn/gaussian-policy.js';
import { policyFromRecord } from '../learn/policy-record.js';
import type { MetricsRow, TrainingAlgorithm } from '../run/algorithm.js';
import type { Env } from '../sim/types.js';
import { bcLossChart } from './bc.js';
import { bcConfigOf } from './bc-learner-settings.js';
import type { DaggerSettings } from './dagger-config.js';
import { chosenDemonstrations, trainingEnv } from './demonstrations.js';

export {
  DAGGER_DEFAULT_ROUNDS,
  DAGGER_SETTINGS_DEFAULTS,
  type DaggerSettings,
  resolveDaggerSettings,
} from './dagger-config.js';

/** The labelled steps DAgger collects, in the run folder (a demo file: `inspect`, `view` and `train` read it). */
export const DAGGER_CORRECTIONS_FILE = 'corrections.mcap';
/** Episode metadata key: the DAgger round whose rollouts visited the episode's states. */
const ROUND_KEY = 'dagger_round';
/** Reset seed of evaluation episode 0, as `train` and `eval` use. */
const EVAL_SEED = 1_000_000;

/** DAgger as the run layer sees it, and what the command reports about its setup. */
export interface DaggerAlgorithm extends TrainingAlgorithm {
  readonly backend: string;
  /** Demonstration pairs (after subsampling) and correction-file steps of round 0. */
  readonly demoPairs: number;
  readonly importedCorrections: number;
  readonly trajectories: number;
  /** Labelled steps aggregated so far by this run's rounds. */
  readonly labelledSteps: () => number;
}

/** What the builder needs besides the settings; tests replace the env and the expert. */
export interface DaggerOptions {
  readonly log?: (line: string) => void;
  /** The run folder: corrections.mcap lives there. */
  readonly dir: string;
  /** Makes one env of the task (default: the settings' task or model). */
  readonly makeEnv?: (seed: number) => Promise<Env>;
  /** The expert's deterministic action (default: the `expert` policy file's mean). */
  readonly expert?: ActFn;
}

/** Builds DAgger for `s`: backend, demos and corrections checked against the env, the expert, the policy. */
export async function daggerAlgorithm(s: DaggerSettings, options: DaggerOptions): Promise<DaggerAlgorithm> {
  const log = options.log ?? (() => {});
  const env = trainingEnv(s, options.makeEnv);
  const { target, makeEnv, hasReward } = env;

  // Demonstrations (and correction files): the same choice as BC's and GAIL's.
  const {
    demo,
    selection,
    trajectories: chosen,
    source,
    scoreRefs,
  } = await chosenDemonstrations(
    s,
    env,
    log,
    hasReward && s.roundEvalEpisodes > 0 ? { episodes: s.roundEvalEpisodes, seed: EVAL_SEED } : undefined,
  );
  const { expert: expertReturn, random: randomReturn } = scoreRefs;
  const imported: Trajectory[] = [];
  for (const file of s.corrections) {
    const c = await readDemoFile(file);
    assertSpecsMatch(`${file} vs ${s.demos}`, demo.spec, c.spec);
    imported.push(...c.episodes.map((e) => e.trajectory).filter((t) => t.length > 0));
  }
  const backend = await useBackend(parseBackendChoice(s.backend));
  log(backend.description);
  const demoPairs = pairsFromTrajectories(chosen, { subsample: s.subsample, seed: s.seed });
  const importedPairs = imported.length > 0 ? pairsFromTrajectories(imported) : undefined;
  log(
    `demos: ${chosen.length} trajectories, ${demoPairs.n} pairs` +
      (importedPairs ? `; corrections: ${imported.length} episodes, ${importedPairs.n} steps` : ''),
  );

  // The expert (the person of simulation), frozen, deterministic.
  let expertPolicy: GaussianPolicy | undefined;
  let expertAct = options.expert;
  if (expertAct === undefined && s.expert !== undefined) {
    const record = await readPolicyFile(s.expert);
    assertSpecsMatch(`expert ${s.expert} vs ${s.demos}`, demo.spec, record.spec);
    const p = policyFromRecord(record, s.seed, true);
    expertPolicy = p;
    expertAct = (o, n) => p.act(o, n, 'deterministic').actions;
  }

  const spec: Spec = { ...demo.spec, source };
  const obsDim = spec.observation.names.length;
  const actDim = spec.action.names.length;
  const policyConfig = { obsDim, actDim, hiddenSizes: s.policyHidden };
  const policy = new GaussianPolicy(policyConfig, s.seed);
  const learnerAct: ActFn = (o, n) => policy.act(o, n, 'deterministic').actions;
  const correctionsPath = join(options.dir, DAGGER_CORRECTIONS_FILE);
  /** Every round's labelled episodes, in round order (the aggregate D of the paper, less the demos). */
  let labelled: { round: number; trajectory: Trajectory }[] = [];
  let envSteps = 0;

  /** 4. retrain: BC from fresh weights on demonstrations ∪ imported corrections ∪ labels. */
  const retrain = async (data: PairData): Promise<MetricsRow> => {
    const fresh = new GaussianPolicy(policyConfig, s.seed);
    try {
      policy.loadArrays(fresh.toArrays()); // weights, log σ, and an empty normaliser for BC to fit
    } finally {
      fresh.dispose();
    }
    const bc = new BcLearner(policy, data, bcConfigOf(s, s.seed));
    try {
      let last = { trainLoss: Number.NaN, validationLoss: Number.NaN };
      while (!bc.done) {
        last = bc.step();
        // Signals and other I/O get in between epochs (the stop itself waits for the round's end).
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      bc.finish();
      return {
        bcEpochs: bc.epoch,
        trainLoss: last.trainLoss,
        validationLoss: Number.isFinite(bc.bestValidationLoss) ? bc.bestValidationLoss : last.validationLoss,
      };
    } finally {
      bc.dispose();
    }
  };

  /** 3. aggregate: the labels so far, written whole to corrections.mcap by the one atomic writer. */
  const saveLabelled = async (): Promise<void> => {
    const buffer = new TempBuffer();
    const writer = await DemoWriter.toWritable(buffer, { spec });
    for (const e of labelled) await writer.writeTrajectory(e.trajectory, { [ROUND_KEY]: String(e.round) });
    await writer.close();
    writeFileAtomic(correctionsPath, buffer.get(), 'DAgger corrections');
  };

  /** The labels of rounds before `round` from corrections.mcap (a resumed run's aggregate). */
  const loadLabelled = async (round: number): Promise<void> => {
    if (!existsSync(correctionsPath)) {
      if (round > 1)
        throw new GailBridgeError(
          'file',
          `--resume: ${correctionsPath} is missing; the labels of ${round - 1} DAgger rounds are lost, start the run again with --force`,
        );
      return;
    }
    const file = await readDemoFile(correctionsPath);
    assertSpecsMatch(`${correctionsPath} vs ${s.demos}`, demo.spec, file.spec);
    const all = file.episodes.map((e) => ({
      round: Number(e.metadata[ROUND_KEY]),
      trajectory: e.trajectory,
    }));
    labelled = all.filter((e) => e.round >= 1 && e.round < round);
    if (labelled.length !== all.length) await saveLabelled();
  };

  const pairsNow = (): PairData =>
    concatPairs([
      demoPairs,
      ...(importedPairs ? [importedPairs] : []),
      ...(labelled.length > 0 ? [pairsFromTrajectories(labelled.map((e) => e.trajectory))] : []),
    ]);

  return {
    name: 'dagger',
    spec,
    seed: s.seed,
    policy,
    // Between rounds the whole learner is the policy (BC restarts from fresh weights each round, and the
    // labels live in corrections.mcap).
    learner: { toArrays: () => policy.toArrays(), loadArrays: (a) => policy.loadArrays(a) },
    budget: { unit: 'rounds', total: s.rounds + 1 },
    checkpointEvery: s.checkpointEvery,
    report: {
      title: `DAgger on ${describeEnvTarget(target)}`,
      x: { key: 'round', label: 'rounds (round 1: BC on the demonstrations)' },
      charts: [
        {
          title: 'Return (deterministic evaluation; rollouts of the round)',
          series: [
            { key: 'evalReturn', name: 'evaluation', color: '#1f77b4' },
            { key: 'rolloutReturn', name: 'rollouts', color: '#ff7f0e' },
          ],
        },
        { title: 'Normalised score', series: [{ key: 'normalizedScore', name: 'score', color: '#2ca02c' }] },
        {
          title: 'Pairs trained on',
          series: [
            { key: 'datasetPairs', name: 'all', color: '#1f77b4' },
            { key: 'labelledSteps', name: 'labelled by the expert', color: '#d62728' },
          ],
        },
        bcLossChart('BC loss at the end of the round'),
      ],
      summary: [
        { key: 'evalReturn', name: 'return' },
        { key: 'normalizedScore', name: 'normalised score' },
        { key: 'datasetPairs', name: 'pairs' },
      ],
    },
    backend: backend.name,
    startedWith: {
      demoSelection: selectionRecord(selection),
      ...(Number.isFinite(expertReturn) ? { scoreRefs: { random: randomReturn, expert: expertReturn } } : {}),
    },
    demoPairs: demoPairs.n,
    importedCorrections: importedPairs?.n ?? 0,
    trajectories: chosen.length,
    labelledSteps: () => labelled.reduce((a, e) => a + e.trajectory.length, 0),

    async train(start, hooks) {
      await loadLabelled(start.round);
      envSteps = start.envSteps;
      const envs = await Promise.all(Array.from({ length: s.envs }, (_, i) => makeEnv(s.seed + 1 + i)));
      const evalEnvs = await Promise.all(
        Array.from({ length: Math.min(4, s.roundEvalEpisodes) }, (_, i) => makeEnv(EVAL_SEED + i)),
      );
      try {
        for (let i = start.round; i <= s.rounds; i++) {
          let rollout: MetricsRow = {};
          if (i > 0) {
            if (!expertAct) throw new GailBridgeError('state', 'DAgger: a round needs the expert');
            // 1. collect with π_i = β_i·π* + (1 − β_i)·π̂_i, 2. label every visited state with π*
            const beta = s.beta ** i;
            const r = collectLabelled(envs, learnerAct, expertAct, {
              steps: s.roundSteps,
              beta,
              seed: new Rng(s.seed).fork(i).int(1 << 30),
            });
            // 3. aggregate
            labelled = [
              ...labelled,
              ...r.trajectories.filter((t) => t.length > 0).map((t) => ({ round: i, trajectory: t })),
            ];
            await saveLabelled();
            envSteps += r.steps;
            const ret = meanStd([...r.returns]);
            rollout = {
              beta,
              expertExecuted: r.expertExecuted / r.steps,
              rolloutEpisodes: r.returns.length,
              rolloutReturn: ret.mean,
              rolloutLength: meanStd([...r.lengths]).mean,
            };
          }
          // 4. retrain
          const data = pairsNow();
          const fit = await retrain(data);
          // 5. evaluate
          let evaluation: MetricsRow = {};
          if (hasReward && evalEnvs.length > 0) {
            const e = meanStd([...evaluate(evalEnvs, learnerAct, s.roundEvalEpisodes, EVAL_SEED).returns]);
            evaluation = {
              evalReturn: e.mean,
              evalReturnStd: e.std,
              normalizedScore: Number.isFinite(expertReturn)
                ? normalizedScore(e.mean, randomReturn, expertReturn)
                : Number.NaN,
            };
          }
          // 6. metrics
          const labelledSteps = labelled.reduce((a, e) => a + e.trajectory.length, 0);
          hooks.onRound(
            { round: i + 1, envSteps },
            {
              daggerRound: i,
              datasetPairs: data.n,
              demoPairs: demoPairs.n,
              importedCorrections: importedPairs?.n ?? 0,
              labelledSteps,
              ...rollout,
              ...fit,
              ...evaluation,
            },
          );
          if (hooks.shouldStop()) return;
        }
      } finally {
        for (const env of [...envs, ...evalEnvs]) env.dispose();
      }
    },

    dispose() {
      policy.dispose();
      expertPolicy?.dispose();
    },
  };
}

/** Pair sets one after the other (the demonstrations first). */
function concatPairs(sets: readonly PairData[]): PairData {
  const n = sets.reduce((a, p) => a + p.n, 0);
  const obs = new Float32Array(sets.reduce((a, p) => a + p.obs.length, 0));
  const actions = new Float32Array(sets.reduce((a, p) => a + p.actions.length, 0));
  let o = 0;
  let a = 0;
  for (const p of sets) {
    obs.set(p.obs, o);
    actions.set(p.actions, a);
    o += p.obs.length;
    a += p.actions.length;
  }
  return { n, obs, actions };
}
