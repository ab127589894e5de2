/**
 * The rollout collector: an rxjs operator from step batches to rollouts of `numSteps` steps per env
 * (DESIGN "Data flow", "Episode ends"). It is where episode ends become training semantics:
 *
 * - `terminated`: the RolloutBatch marks the step terminated (V(next) = terminalValue, which GAIL fills
 *   in), and the discriminator pairs get the absorbing pair (Kostrikov et al. 2019; see pairs.ts).
 * - `truncated`: the step is marked truncated with its final observation for bootstrapping; no absorbing
 *   pair.
 * - `diverged`: the episode's steps in this rollout are marked invalid (`valid` = 0, left out of the
 *   discriminator pairs and of the policy loss), the step is cut like a truncation (its final observation
 *   replaced by the last finite one so no NaN reaches a value network), and it is counted. Steps of the
 *   same episode in earlier rollouts were already used: an on-policy batch cannot be recalled.
 * - `interrupted` (a ROS 2 source lost its robot or simulator mid-episode): as `diverged`, counted apart.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { GailBridgeError } from '../core/errors.js';
import type { EpisodeEnd } from '../core/trajectory.js';
import type { RolloutBatch } from '../learn/types.js';
import { absorbingPairsFor, PairBuilder, type PairSet } from './pairs.js';
import { END_CODES, type StepBatch } from './step-batch.js';

/** One finished episode, as seen by the collector (true reward, for evaluation only). */
export interface EpisodeSummary {
  /** Env index in the batch. */
  readonly env: number;
  /** Sum of the task's reward over the episode (0 on tasks without one). */
  readonly return: number;
  /** Number of steps. */
  readonly length: number;
  readonly end: EpisodeEnd;
}

/**
 * What the collector emits every `numSteps` batches.
 *   batch:        for the policy learner; `rewards` hold the true reward until a trainer replaces them
 *   valid:        T·N, 0 where the step belongs to a diverged episode (also set as `batch.valid`)
 *   policyPairs:  the valid steps' (s, a) plus one absorbing pair per terminated episode
 *   episodes:     episodes that ended inside this rollout
 */
export interface Rollout {
  readonly batch: RolloutBatch;
  readonly valid: Uint8Array;
  readonly policyPairs: PairSet;
  readonly episodes: readonly EpisodeSummary[];
  /** Episodes that diverged in this rollout. */
  readonly diverged: number;
  /** Episodes cut because their robot or simulator went away (ROS 2 sources). */
  readonly interrupted: number;
  /** numSteps × numEnvs. */
  readonly envSteps: number;
}

export interface CollectorOptions {
  /** Steps per env in one rollout (T). */
  readonly numSteps: number;
  /** Extend observations with the absorbing indicator and add absorbing pairs (DAC); default true. */
  readonly absorbing?: boolean;
  /** Pad terminated episodes with absorbing pairs up to this horizon (pairs.ts); absent → one pair. */
  readonly absorbingHorizon?: number;
}

const END_NAMES = ['terminated', 'truncated', 'diverged', 'interrupted'] as const;

/** Whether an end code drops its episode's steps (not learned from; never an absorbing state). */
const dropsEpisode = (code: number): boolean => code === END_CODES.diverged || code === END_CODES.interrupted;

/** Collects `numSteps` step batches into a `Rollout`; see the file comment for how each ending is handled. */
export function collectRollouts(options: CollectorOptions): OperatorFunction<StepBatch, Rollout> {
  const T = options.numSteps;
  if (!Number.isInteger(T) || T <= 0)
    throw new GailBridgeError('config', `collector numSteps: expected a positive integer, got ${T}`);
  const absorbing = options.absorbing ?? true;

  return (source) =>
    new Observable<Rollout>((subscriber) => {
      let steps: StepBatch[] = [];
      // Per-env episode bookkeeping that spans rollouts.
      let epReturn: Float64Array | undefined;
      let epLength: Int32Array | undefined;
      let epStart: Int32Array | undefined; // first step index of the open episode inside this rollout

      const emit = (): Rollout => {
        const first = steps[0]!;
        const { numEnvs: N, obsDim, actDim } = first;
        const obs = new Float32Array(T * N * obsDim);
        const actions = new Float32Array(T * N * actDim);
        const logProbs = new Float32Array(T * N);
        const rewards = new Float32Array(T * N);
        const terminated = new Uint8Array(T * N);
        const truncated = new Uint8Array(T * N);
        const finalObs = new Float32Array(T * N * obsDim);
        const valid = new Uint8Array(T * N).fill(1);
        // Absorbing pairs to add after step k (terminated steps only).
        const absorbCount = new Uint32Array(T * N);
        const episodes: EpisodeSummary[] = [];
        let diverged = 0;
        let interrupted = 0;
        epStart!.fill(0);
        steps.forEach((b, t) => {
          if (b.numEnvs !== N || b.obsDim !== obsDim || b.actDim !== actDim)
            throw new GailBridgeError(
              'shape',
              `collector: step ${t} has N/obsDim/actDim ${b.numEnvs}/${b.obsDim}/${b.actDim}, ` +
                `the rollout started with ${N}/${obsDim}/${actDim}`,
            );
          obs.set(b.obs, t * N * obsDim);
          actions.set(b.actions, t * N * actDim);
          logProbs.set(b.logProbs, t * N);
          rewards.set(b.rewards, t * N);
          for (let i = 0; i < N; i++) {
            const k = t * N + i;
            epReturn![i]! += b.rewards[i]!;
            epLength![i]!++;
            const code = b.ends[i]!;
            if (code === END_CODES.none) continue;
            if (code === END_CODES.terminated) {
              terminated[k] = 1;
              absorbCount[k] = absorbingPairsFor(epLength![i]!, options.absorbingHorizon);
            } else truncated[k] = 1;
            if (dropsEpisode(code)) {
              if (code === END_CODES.diverged) diverged++;
              else interrupted++;
              for (let s = epStart![i]!; s <= t; s++) valid[s * N + i] = 0;
              finalObs.set(b.obs.subarray(i * obsDim, (i + 1) * obsDim), k * obsDim);
            } else {
              finalObs.set(b.nextObs.subarray(i * obsDim, (i + 1) * obsDim), k * obsDim);
            }
            episodes.push({
              env: i,
              return: epReturn![i]!,
              length: epLength![i]!,
              end: END_NAMES[code - 1]!,
            });
            epReturn![i] = 0;
            epLength![i] = 0;
            epStart![i] = t + 1;
          }
        });
        const last = steps[T - 1]!;
        const lastObs = Float32Array.from(last.nextObs);
        for (let i = 0; i < N; i++) {
          if (dropsEpisode(last.ends[i]!))
            lastObs.set(last.obs.subarray(i * obsDim, (i + 1) * obsDim), i * obsDim);
        }
        const builder = new PairBuilder(obsDim, actDim, absorbing, { capacity: T * N + 8 });
        for (let k = 0; k < T * N; k++) {
          if (!valid[k]) continue;
          builder.push(obs, k * obsDim, actions, k * actDim);
          if (terminated[k]) builder.pushAbsorbing(absorbCount[k]);
        }
        const batch: RolloutBatch = Object.freeze({
          numSteps: T,
          numEnvs: N,
          obsDim,
          actDim,
          obs,
          actions,
          logProbs,
          rewards,
          terminated,
          truncated,
          finalObs,
          lastObs,
          valid,
        });
        return Object.freeze({
          batch,
          valid,
          policyPairs: builder.build(),
          episodes,
          diverged,
          interrupted,
          envSteps: T * N,
        });
      };

      return source.subscribe({
        next(b) {
          if (!epReturn) {
            epReturn = new Float64Array(b.numEnvs);
            epLength = new Int32Array(b.numEnvs);
            epStart = new Int32Array(b.numEnvs);
          }
          steps.push(b);
          if (steps.length < T) return;
          let rollout: Rollout;
          try {
            rollout = emit();
          } catch (err) {
            subscriber.error(err);
            return;
          }
          steps = [];
          subscriber.next(rollout);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
