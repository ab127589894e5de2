/**
 * The MuJoCo WASM module (`@mujoco/mujoco`, single-threaded build), loaded once per thread. Every model
 * and env in a thread shares this instance and its heap; the module is never freed (it lives as long as
 * the thread).
 */
import type { MainModule } from '@mujoco/mujoco';
import { GailBridgeError } from '../core/errors.js';

export type Mujoco = MainModule;

let modulePromise: Promise<Mujoco> | undefined;

/** The thread's MuJoCo module: one cached promise, so concurrent callers share one instantiation. */
export function loadMujoco(): Promise<Mujoco> {
  if (modulePromise === undefined) {
    modulePromise = import('@mujoco/mujoco')
      .then((mod) => mod.default())
      .catch((err: unknown) => {
        modulePromise = undefined;
        throw new GailBridgeError(
          'mjcf',
          `could not start MuJoCo WASM (@mujoco/mujoco): ${describeThrown(err)}. Reinstall with \`npm ci\`; ` +
            'Node >= 20 with WebAssembly is required.',
          { cause: err },
        );
      });
  }
  return modulePromise;
}

/**
 * Text of anything the WASM build throws: an Error, a string, a number (an Emscripten exception
 * pointer), null or undefined.
 */
export function describeThrown(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  if (err === null || err === undefined) return 'no error detail (the WASM build returned nothing)';
  if (typeof err === 'object' && 'message' in err && typeof err.message === 'string') return err.message;
  return `non-Error value thrown: ${String(err)}`;
}
