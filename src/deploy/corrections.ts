/**
 * HG-DAgger corrections (Kelly et al. 2019): the (observation, teleop command) pairs of every cycle in
 * which a person drove the robot during `deploy`, written into a demo file as episodes cut at takeover
 * start and end. `train --algo dagger --corrections FILE` retrains on them.
 *
 * The control cycle only copies into a ring of preallocated slots (`step`, `end`, `cut` allocate
 * nothing: see the runner's `cycle`); `flush`, called from the watchdog tick, writes them to the sink
 * off the cycle path. A step is written once the next one (or the takeover's end) has given the
 * observation that followed its action, as the recorder does:
 *
 *   takeover ends     (`end`, the policy drives again) the episode ends `truncated` with the
 *                     observation of that cycle: the task would have continued
 *   takeover is cut   (`cut`: the safe command, stale or non-finite input, stop) the episode ends
 *                     `interrupted`; its last step is dropped, no observation followed its action
 *
 * An episode is opened at its first written step, so a takeover of one cycle leaves no empty episode.
 */
import { GailBridgeError } from '../core/errors.js';
import type { EpisodeEnd } from '../core/trajectory.js';

/** The demo writer calls corrections make (`DemoWriter` implements them). Callers await each call. */
export interface CorrectionSink {
  beginEpisode(metadata?: Readonly<Record<string, string>>): Promise<number>;
  writeStep(step: { obs: Float32Array; action: Float32Array; timeS?: number }): Promise<void>;
  endEpisode(end: EpisodeEnd, finalObs: Float32Array, finalTimeS?: number): Promise<void>;
}

/** What the corrections file received. */
export interface CorrectionCounts {
  /** Episodes opened (takeovers with at least one written step). */
  readonly episodes: number;
  /** Steps written. */
  readonly steps: number;
  /** Steps lost because the ring was full (the writer fell behind); each loss cuts the episode. */
  readonly dropped: number;
}

const STEP = 1;
const END = 2;
const CUT = 3;

/** See the file comment. */
export class CorrectionRecorder {
  readonly obsDim: number;
  readonly actDim: number;
  readonly capacity: number;
  readonly #sink: CorrectionSink;
  readonly #kind: Uint8Array;
  readonly #obs: Float32Array;
  readonly #act: Float32Array;
  readonly #time: Float64Array;
  /** Next slot to fill, next slot to write; the ring is empty when they are equal. */
  #head = 0;
  #tail = 0;
  /** A step was dropped: the next entry that fits is preceded by a cut. */
  #lost = false;
  /** The step waiting for the observation that follows it (drain side). */
  readonly #pendingObs: Float32Array;
  readonly #pendingAct: Float32Array;
  #pendingTime = 0;
  #hasPending = false;
  #episodeOpen = false;
  #episodes = 0;
  #steps = 0;
  #dropped = 0;
  #draining: Promise<void> | undefined;
  #closed = false;
  /** The sink's error, once writing failed: nothing more is written, `close` reports it. */
  #failure: Error | undefined;

  /** `capacity`: entries the ring holds between flushes (default 4096). */
  constructor(sink: CorrectionSink, obsDim: number, actDim: number, capacity = 4096) {
    if (!Number.isInteger(capacity) || capacity < 4)
      throw new GailBridgeError('config', `corrections: capacity must be an integer ≥ 4, got ${capacity}`);
    this.#sink = sink;
    this.obsDim = obsDim;
    this.actDim = actDim;
    this.capacity = capacity;
    this.#kind = new Uint8Array(capacity);
    this.#obs = new Float32Array(capacity * obsDim);
    this.#act = new Float32Array(capacity * actDim);
    this.#time = new Float64Array(capacity);
    this.#pendingObs = new Float32Array(obsDim);
    this.#pendingAct = new Float32Array(actDim);
  }

  /** Counts so far (written by the drain). */
  get counts(): CorrectionCounts {
    return { episodes: this.#episodes, steps: this.#steps, dropped: this.#dropped };
  }

  /** Cycle path: the person's command `action` was published in the state `obs`, at `timeS`. */
  step(obs: ArrayLike<number>, action: ArrayLike<number>, timeS: number): void {
    this.#push(STEP, obs, action, timeS);
  }

  /** Cycle path: the takeover ended cleanly; `obs` is the observation after its last command. */
  end(obs: ArrayLike<number>, timeS: number): void {
    this.#push(END, obs, undefined, timeS);
  }

  /** Cycle or tick path: the takeover was cut by the safe command (stale, non-finite, stop). */
  cut(): void {
    this.#push(CUT, undefined, undefined, 0);
  }

  /** Why writing failed, if it did (the recorder then drops everything). */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /**
   * Writes what is queued; resolves when the queue is empty. Never rejects: a failing sink is kept in
   * `failure` and `close` throws it. Call off the cycle path.
   */
  flush(): Promise<void> {
    this.#draining ??= this.#drain()
      .catch((err: unknown) => {
        this.#failure = err instanceof Error ? err : new Error(String(err));
        this.#closed = true;
        this.#tail = this.#head;
      })
      .finally(() => {
        this.#draining = undefined;
      });
    return this.#draining;
  }

  /**
   * Cuts an open takeover, writes everything queued, and stops accepting entries (the sink is the
   * caller's to close). Idempotent. Throws a `file` error when writing failed.
   */
  async close(): Promise<CorrectionCounts> {
    if (!this.#closed) {
      this.cut();
      this.#closed = true;
    }
    while (this.#draining || this.#head !== this.#tail) await this.flush();
    if (this.#failure)
      throw new GailBridgeError('file', `corrections: writing failed: ${this.#failure.message}`);
    return this.counts;
  }

  #push(
    kind: number,
    obs: ArrayLike<number> | undefined,
    action: ArrayLike<number> | undefined,
    t: number,
  ): void {
    if (this.#closed) {
      if (kind === STEP && this.#failure) this.#dropped++;
      return;
    }
    const free = (this.#tail - this.#head - 1 + this.capacity) % this.capacity;
    // After a loss, a cut goes first, so the episode never has a gap.
    if (this.#lost) {
      if (free < 2) {
        if (kind === STEP) this.#dropped++;
        return;
      }
      this.#lost = false;
      this.#write(CUT, undefined, undefined, 0);
    } else if (free < 1) {
      if (kind === STEP) this.#dropped++;
      this.#lost = true;
      return;
    }
    this.#write(kind, obs, action, t);
  }

  #write(
    kind: number,
    obs: ArrayLike<number> | undefined,
    action: ArrayLike<number> | undefined,
    t: number,
  ): void {
    const h = this.#head;
    this.#kind[h] = kind;
    if (obs) for (let j = 0; j < this.obsDim; j++) this.#obs[h * this.obsDim + j] = obs[j]!;
    if (action) for (let j = 0; j < this.actDim; j++) this.#act[h * this.actDim + j] = action[j]!;
    this.#time[h] = t;
    this.#head = (h + 1) % this.capacity;
  }

  async #drain(): Promise<void> {
    const sink = this.#sink;
    while (this.#tail !== this.#head) {
      const k = this.#tail;
      const kind = this.#kind[k]!;
      const obs = this.#obs.subarray(k * this.obsDim, (k + 1) * this.obsDim);
      const t = this.#time[k]!;
      if (kind === STEP || kind === END) await this.#writePending();
      if (kind === STEP) {
        this.#pendingObs.set(obs);
        this.#pendingAct.set(this.#act.subarray(k * this.actDim, (k + 1) * this.actDim));
        this.#pendingTime = t;
        this.#hasPending = true;
      } else if (this.#episodeOpen) {
        // END: the observation after the last step; CUT: the last step's own (that step is dropped).
        this.#episodeOpen = false;
        this.#hasPending = false;
        await (kind === END
          ? sink.endEpisode('truncated', obs.slice(), t)
          : sink.endEpisode('interrupted', this.#pendingObs, this.#pendingTime));
      } else this.#hasPending = false;
      // The slot is free only once its data was used.
      this.#tail = (k + 1) % this.capacity;
    }
  }

  /** Writes the pending step (opening the episode at its first step). */
  async #writePending(): Promise<void> {
    if (!this.#hasPending) return;
    if (!this.#episodeOpen) {
      await this.#sink.beginEpisode({ source: 'deploy takeover (HG-DAgger correction)' });
      this.#episodeOpen = true;
      this.#episodes++;
    }
    await this.#sink.writeStep({ obs: this.#pendingObs, action: this.#pendingAct, timeS: this.#pendingTime });
    this.#steps++;
    this.#hasPending = false;
  }
}
