/**
 * The robot's pose (qpos) from recorded observations, for playing a demo file in the view.
 *
 * A demo file stores observations and actions, not the simulator state, and not the reset state either,
 * so the recorded actions cannot be replayed faithfully: Hopper and its kin are chaotic, and a replay from
 * a state rebuilt from float32 observations drifts away from the recording within a second. But the
 * observation of every built-in task and of a generic robot names its elements after the model's joints
 * (sim/task.ts: `thigh_joint`, `root.qw`, `sin(hinge)`, `rootx.vel`), so each frame's pose is read back
 * from the observation itself, by name:
 *
 *   hinge/slide j      qpos = obs[j], or atan2(obs[sin(j)], obs[cos(j)])
 *   free j             position obs[j.x|y|z], orientation obs[j.qw|qx|qy|qz]
 *   ball j             obs[j.qw|qx|qy|qz]
 *
 * Coordinates the observation leaves out on purpose (the root's x, and y for Ant and Humanoid;
 * Gymnasium excludes them) are integrated from their recorded velocity (`rootx.vel`, `root.vx`) with
 * the trapezoid rule from the model's initial value; anything else missing stays at the model's qpos0.
 * So every frame shows the recorded state, except that the root's horizontal position is integrated (it
 * drifts slowly, and where a velocity was clipped in the observation, as Hopper clips at ±10 m/s, it
 * lags). `describe` says which case applies, for the page to show.
 *
 * Pure: no DOM, no WASM; the view page bundles it, and tests run it against the real simulator.
 */

/** What of a model the decoder needs (a subset of sim/model.ts ModelInfo). */
export interface PoseModel {
  readonly nq: number;
  readonly jointNames: readonly string[];
  readonly jointTypes: readonly ('free' | 'ball' | 'slide' | 'hinge')[];
  readonly jointQposAdr: readonly number[];
}

/** How each qpos element is obtained. */
export type PoseSource =
  | { readonly kind: 'observed'; readonly obs: number }
  | { readonly kind: 'angle'; readonly sin: number; readonly cos: number }
  | { readonly kind: 'integrated'; readonly vel: number }
  | { readonly kind: 'initial' };

/** The decoding plan of one model and one observation layout. */
export interface PosePlan {
  /** One source per qpos element. */
  readonly sources: readonly PoseSource[];
  /** qpos element names (as the observation would name them) by kind, for people. */
  readonly observed: readonly string[];
  readonly integrated: readonly string[];
  readonly initial: readonly string[];
}

/** qpos element names in qpos order, as sim/task.ts qposFields names them, with each one's velocity name. */
function qposNames(model: PoseModel): { name: string; vel: string | undefined; joint: string }[] {
  const out: { name: string; vel: string | undefined; joint: string }[] = [];
  model.jointNames.forEach((j, i) => {
    const type = model.jointTypes[i];
    if (type === 'free')
      for (const a of ['x', 'y', 'z']) out.push({ name: `${j}.${a}`, vel: `${j}.v${a}`, joint: j });
    if (type === 'free' || type === 'ball')
      for (const a of ['qw', 'qx', 'qy', 'qz']) out.push({ name: `${j}.${a}`, vel: undefined, joint: j });
    if (type === 'slide' || type === 'hinge') out.push({ name: j, vel: `${j}.vel`, joint: j });
  });
  return out;
}

/** How to rebuild qpos of `model` from observations named `obsNames`; see the file comment. */
export function posePlan(model: PoseModel, obsNames: readonly string[]): PosePlan {
  const index = new Map(obsNames.map((n, i) => [n, i] as const));
  const names = qposNames(model);
  if (names.length !== model.nq)
    throw new Error(`pose: the model's joints give ${names.length} qpos elements, nq is ${model.nq}`);
  const sources: PoseSource[] = [];
  const observed: string[] = [];
  const integrated: string[] = [];
  const initial: string[] = [];
  for (const { name, vel } of names) {
    const direct = index.get(name);
    const sin = index.get(`sin(${name})`);
    const cos = index.get(`cos(${name})`);
    const v = vel === undefined ? undefined : index.get(vel);
    if (direct !== undefined) {
      sources.push({ kind: 'observed', obs: direct });
      observed.push(name);
    } else if (sin !== undefined && cos !== undefined) {
      sources.push({ kind: 'angle', sin, cos });
      observed.push(name);
    } else if (v !== undefined) {
      sources.push({ kind: 'integrated', vel: v });
      integrated.push(name);
    } else {
      sources.push({ kind: 'initial' });
      initial.push(name);
    }
  }
  return { sources, observed, integrated, initial };
}

/**
 * qpos of every frame of an episode: `obs` holds `frames` rows of obsDim (T + 1 observations), `dt` is
 * the time between them (seconds), `qpos0` the model's initial qpos. Returns frames × nq.
 */
export function episodePoses(
  plan: PosePlan,
  obs: ArrayLike<number>,
  frames: number,
  obsDim: number,
  dt: number,
  qpos0: ArrayLike<number>,
): Float64Array {
  const nq = plan.sources.length;
  const out = new Float64Array(frames * nq);
  for (let t = 0; t < frames; t++) {
    const row = t * obsDim;
    for (let i = 0; i < nq; i++) {
      const s = plan.sources[i]!;
      let q: number;
      switch (s.kind) {
        case 'observed':
          q = obs[row + s.obs]!;
          break;
        case 'angle':
          q = Math.atan2(obs[row + s.sin]!, obs[row + s.cos]!);
          break;
        case 'integrated':
          q =
            t === 0
              ? qpos0[i]!
              : out[(t - 1) * nq + i]! + 0.5 * (obs[row - obsDim + s.vel]! + obs[row + s.vel]!) * dt;
          break;
        case 'initial':
          q = qpos0[i]!;
          break;
      }
      out[t * nq + i] = q;
    }
  }
  return out;
}

/** One line for the page: where the pose comes from. */
export function describePlan(plan: PosePlan): string {
  const parts = [
    `pose read from the recorded observations (${plan.observed.length} of ${plan.sources.length} qpos)`,
  ];
  if (plan.integrated.length > 0)
    parts.push(
      `${plan.integrated.join(', ')} integrated from the recorded velocity (the observation leaves it out)`,
    );
  if (plan.initial.length > 0)
    parts.push(`${plan.initial.join(', ')} not recorded: held at the model's initial value`);
  return parts.join('; ');
}
