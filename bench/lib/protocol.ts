/**
 * The stepping protocol every simulator in `bench sim` replays, so that native MuJoCo, mujoco-js,
 * @mujoco/mujoco and the project's Env all step the same model through the same controls and resets:
 * their per-step cost depends on the state (contacts), so comparing them on different trajectories
 * would mix the engine's speed with the workload's.
 *
 * File form (read by bench/native/step.c): little-endian float64, a header [1, nu, steps, frameSkip],
 * then one row per env step [resetFlag, ctrl_0 .. ctrl_{nu-1}].
 */
import { assertFinite, assertLength, GailBridgeError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';

/** Protocol format version written in the header's first slot. */
export const PROTOCOL_VERSION = 1;

/**
 * `steps` env steps of a model with `nu` actuators. Row t: if `resets[t]` is 1 the state is reset
 * (mj_resetData) before the step; then ctrl = `ctrl[t·nu .. (t+1)·nu)` is applied for `frameSkip`
 * physics steps. `resets[0]` is always 1.
 */
export interface Protocol {
  readonly nu: number;
  readonly frameSkip: number;
  readonly steps: number;
  /** steps entries, 0 or 1. */
  readonly resets: Uint8Array;
  /** steps × nu controls, row-major, inside the actuators' ctrlrange. */
  readonly ctrl: Float64Array;
}

/** Checks a protocol's invariants, naming the field that breaks one. */
export function validateProtocol(p: Protocol): Protocol {
  if (!Number.isInteger(p.nu) || p.nu < 0)
    throw new GailBridgeError('shape', `protocol: nu must be an integer >= 0, got ${p.nu}`);
  if (!Number.isInteger(p.frameSkip) || p.frameSkip < 1) {
    throw new GailBridgeError('shape', `protocol: frameSkip must be an integer >= 1, got ${p.frameSkip}`);
  }
  if (!Number.isInteger(p.steps) || p.steps < 1) {
    throw new GailBridgeError('shape', `protocol: steps must be an integer >= 1, got ${p.steps}`);
  }
  assertLength('protocol resets', p.resets.length, p.steps);
  assertLength(`protocol ctrl (${p.steps} steps × ${p.nu} actuators)`, p.ctrl.length, p.steps * p.nu);
  if (p.resets[0] !== 1)
    throw new GailBridgeError('shape', 'protocol: the first step must reset (resets[0] = 1)');
  assertFinite('protocol ctrl', p.ctrl);
  return p;
}

/**
 * Uniform random controls in [low, high) per actuator (a random policy, the workload of early GAIL
 * rounds), with a reset before step 0 and after every episode whose length `episodeLength(i)` gives
 * (i = episode index). Same seed → same protocol.
 */
export function randomProtocol(fields: {
  readonly low: readonly number[];
  readonly high: readonly number[];
  readonly frameSkip: number;
  readonly steps: number;
  readonly seed: number;
  /** Env steps of episode i; the last episode is cut at `steps`. */
  readonly episodeLength: (i: number) => number;
}): Protocol {
  const nu = fields.low.length;
  assertLength('protocol high (one bound per actuator)', fields.high.length, nu);
  const rng = new Rng(fields.seed);
  const ctrl = new Float64Array(fields.steps * nu);
  for (let t = 0; t < fields.steps; t++) {
    for (let j = 0; j < nu; j++) ctrl[t * nu + j] = rng.uniform(fields.low[j]!, fields.high[j]!);
  }
  const resets = new Uint8Array(fields.steps);
  let next = 0;
  for (let episode = 0; next < fields.steps; episode++) {
    resets[next] = 1;
    const len = fields.episodeLength(episode);
    if (!Number.isInteger(len) || len < 1) {
      throw new GailBridgeError(
        'shape',
        `protocol: episode ${episode} has length ${len}; lengths must be integers >= 1`,
      );
    }
    next += len;
  }
  return validateProtocol({ nu, frameSkip: fields.frameSkip, steps: fields.steps, resets, ctrl });
}

/**
 * The same controls with the resets of `lengths` (env steps per episode, e.g. recorded from an Env run
 * whose episodes ended by termination); the lengths must add up to `p.steps`.
 */
export function withEpisodeLengths(p: Protocol, lengths: readonly number[]): Protocol {
  const total = lengths.reduce((a, b) => a + b, 0);
  if (total !== p.steps) {
    throw new GailBridgeError(
      'shape',
      `protocol: episode lengths add up to ${total} steps; expected ${p.steps}`,
    );
  }
  const resets = new Uint8Array(p.steps);
  let next = 0;
  lengths.forEach((len, i) => {
    if (!Number.isInteger(len) || len < 1) {
      throw new GailBridgeError(
        'shape',
        `protocol: episode ${i} has length ${len}; lengths must be integers >= 1`,
      );
    }
    resets[next] = 1;
    next += len;
  });
  return validateProtocol({ ...p, resets });
}

/**
 * The protocol's controls as lock-step batches for `n` envs (float32, as VecEnv takes them): env i in
 * batch k takes row (k·n + i) mod steps, so n envs together step the protocol's rows once.
 */
export function lockStepBatches(p: Protocol, n: number): Float32Array[] {
  if (!Number.isInteger(n) || n < 1)
    throw new GailBridgeError('config', `lock-step batches: n must be an integer >= 1, got ${n}`);
  const count = Math.ceil(p.steps / n);
  return Array.from({ length: count }, (_, k) => {
    const batch = new Float32Array(n * p.nu);
    for (let i = 0; i < n; i++) {
      const row = (k * n + i) % p.steps;
      batch.set(p.ctrl.subarray(row * p.nu, (row + 1) * p.nu), i * p.nu);
    }
    return batch;
  });
}

/** The number of episodes (resets) in a protocol. */
export function episodeCount(p: Protocol): number {
  let n = 0;
  for (const r of p.resets) n += r;
  return n;
}

/** The protocol as the float64 file bench/native/step.c reads. */
export function encodeProtocol(p: Protocol): Float64Array {
  validateProtocol(p);
  const row = 1 + p.nu;
  const out = new Float64Array(4 + p.steps * row);
  out.set([PROTOCOL_VERSION, p.nu, p.steps, p.frameSkip]);
  for (let t = 0; t < p.steps; t++) {
    out[4 + t * row] = p.resets[t]!;
    out.set(p.ctrl.subarray(t * p.nu, (t + 1) * p.nu), 4 + t * row + 1);
  }
  return out;
}

/** Reads a protocol back from its float64 form; a wrong header or size is a `file` error saying which. */
export function decodeProtocol(data: Float64Array): Protocol {
  if (data.length < 4 || data[0] !== PROTOCOL_VERSION) {
    throw new GailBridgeError(
      'file',
      `protocol: expected a version-${PROTOCOL_VERSION} header [1, nu, steps, frameSkip], got [${Array.from(data.subarray(0, 4)).join(', ')}]`,
    );
  }
  const nu = data[1]!;
  const steps = data[2]!;
  const frameSkip = data[3]!;
  if (!Number.isInteger(nu) || nu < 0 || !Number.isInteger(steps) || steps < 1) {
    throw new GailBridgeError(
      'file',
      `protocol: header has nu=${nu}, steps=${steps}; expected integers nu >= 0, steps >= 1`,
    );
  }
  const row = 1 + nu;
  if (data.length !== 4 + steps * row) {
    throw new GailBridgeError(
      'file',
      `protocol: header says ${steps} steps × (1 + ${nu}) values, which needs ${4 + steps * row} numbers; got ${data.length}`,
    );
  }
  const resets = new Uint8Array(steps);
  const ctrl = new Float64Array(steps * nu);
  for (let t = 0; t < steps; t++) {
    const flag = data[4 + t * row]!;
    if (flag !== 0 && flag !== 1)
      throw new GailBridgeError('file', `protocol: step ${t} has reset flag ${flag}; expected 0 or 1`);
    resets[t] = flag;
    ctrl.set(data.subarray(4 + t * row + 1, 4 + (t + 1) * row), t * nu);
  }
  return validateProtocol({ nu, frameSkip, steps, resets, ctrl });
}
