/**
 * Worker thread of a vectorised env: builds envs [start, start + count) from the recipe, reports their
 * spec, receives the shared buffers, then serves commands signalled through Atomics until told to exit.
 * Any exception escapes to the main thread as the worker's 'error' event (vec-env.ts turns it into a
 * rejected step, never a hang).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { GailBridgeError } from '../core/errors.js';
import type { MujocoEnv } from './env.js';
import { loadMujoco } from './mujoco.js';
import {
  buildEnv,
  CTRL,
  commandSlot,
  doneSlot,
  type EnvRecipe,
  EnvSlice,
  OP,
  type SharedBuffers,
  viewShared,
} from './vec-core.js';

export interface WorkerInit {
  readonly recipe: EnvRecipe;
  readonly index: number;
  readonly start: number;
  readonly count: number;
  readonly numEnvs: number;
  /** Command-word checks before sleeping (vec-env.ts `SPIN_CHECKS` by default). */
  readonly spinChecks: number;
  /** Reset ended episodes at once (VecEnvOptions.autoReset). */
  readonly autoReset: boolean;
}

/** Messages a worker posts: its envs' spec once built, or the error that stopped it. */
export type WorkerMessage =
  | { readonly type: 'ready'; readonly spec: MujocoEnv['spec'] }
  | { readonly type: 'error'; readonly code: string; readonly message: string };

const port = parentPort;
if (port === null) throw new Error('vec-worker.ts must run as a worker thread');
const init = workerData as WorkerInit;

const envs: MujocoEnv[] = [];
try {
  const mujoco = await loadMujoco();
  for (let k = 0; k < init.count; k++) envs.push(buildEnv(mujoco, init.recipe));
} catch (err) {
  for (const env of envs) env.dispose();
  const code = err instanceof GailBridgeError ? err.code : 'state';
  port.postMessage({
    type: 'error',
    code,
    message: err instanceof Error ? err.message : String(err),
  } satisfies WorkerMessage);
  // Stay alive until the main thread, having read the error, terminates this worker.
  await new Promise(() => setInterval(() => {}, 1 << 30));
}
port.postMessage({ type: 'ready', spec: envs[0]!.spec } satisfies WorkerMessage);

port.once('message', (buffers: SharedBuffers) => {
  const env0 = envs[0]!.spec;
  const views = viewShared(buffers, init.numEnvs, env0.observation.names.length, env0.action.names.length);
  const slice = new EnvSlice(envs, init.start, views, init.autoReset);
  const control = views.control;
  const cmd = commandSlot(init.index);
  const done = doneSlot(init.index);
  // Starts from 0, not from the current word: the first command may already have been posted.
  let seq = 0;
  const spinChecks = init.spinChecks;
  for (;;) {
    // Spins briefly first (SPIN_CHECKS in vec-env.ts): in lock-step use the next command usually comes
    // within microseconds of the last result, and a futex sleep/wake round trip costs more than a small
    // batch's physics (bench sim).
    for (let spin = 0; spin < spinChecks && Atomics.load(control, cmd) === seq; spin++);
    // Then sleeps while the command word still holds the last sequence number served.
    Atomics.wait(control, cmd, seq);
    // Serve a command only when the word moved on: a wake-up that finds the last one served must not
    // repeat it (an extra step would desynchronise the envs from the main thread's view of them).
    const next = Atomics.load(control, cmd);
    if (next === seq) continue;
    seq = next;
    const op = Atomics.load(control, CTRL.op);
    if (op === OP.exit) break;
    if (op === OP.reset) slice.reset(views.params[0]!);
    else if (op === OP.step) slice.step();
    else if (op === OP.resetSome) slice.resetSome();
    else if (op === OP.crash)
      throw new Error(`vec env worker ${init.index}: crash injected for a fault test`);
    Atomics.store(control, done, seq);
    Atomics.notify(control, done);
  }
  slice.dispose();
  port.close();
});
