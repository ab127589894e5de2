/**
 * Raw `mj_step` in WebAssembly, with no Env around it: the baseline the Env's overhead is counted
 * against, and the two WASM builds compared with each other (DESIGN "Facts": mujoco-js 0.0.7 vs
 * `@mujoco/mujoco` 3.14). Both packages expose the same Embind API for what is used here (MjData,
 * mj_step, mj_resetData, the Emscripten FS); only model loading differs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { GailBridgeError } from '../../src/core/errors.js';
import { type Protocol, validateProtocol } from './protocol.js';

/** The part of the Emscripten FS used to place model files. */
interface WasmFs {
  mkdir(path: string): void;
  writeFile(path: string, data: Uint8Array): void;
  analyzePath(path: string): { exists: boolean };
}
interface WasmModel {
  readonly nu: number;
  /** nu × 2 [low, high] per actuator. */
  readonly actuator_ctrlrange: Float64Array;
  delete(): void;
}
interface WasmData {
  /** Live view of d->ctrl in WASM memory. */
  readonly ctrl: Float64Array;
  delete(): void;
}
/** The subset of both packages' MainModule that raw stepping needs. */
interface WasmModule {
  readonly FS: WasmFs;
  readonly MjData: new (m: WasmModel) => WasmData;
  mj_step(m: WasmModel, d: WasmData): void;
  mj_resetData(m: WasmModel, d: WasmData): void;
  mj_rnePostConstraint(m: WasmModel, d: WasmData): void;
  mj_versionString(): string;
}

/** The WASM builds the bench compares, by package name (one map, STYLE 8). */
export const WASM_BUILDS = {
  '@mujoco/mujoco': {
    describe: "DeepMind's official build, single-threaded",
    importModule: () => import('@mujoco/mujoco'),
    loadXml: (mj: WasmModule, path: string): WasmModel | null =>
      (mj as unknown as { MjModel: { from_xml_path(p: string): WasmModel | null } }).MjModel.from_xml_path(
        path,
      ),
  },
  'mujoco-js': {
    describe: 'the older unversioned package (reference for the WASM build)',
    importModule: () => import('mujoco-js'),
    loadXml: (mj: WasmModule, path: string): WasmModel | null =>
      (mj as unknown as { MjModel: { loadFromXML(p: string): WasmModel | null } }).MjModel.loadFromXML(path),
  },
} as const;
export type WasmBuild = keyof typeof WASM_BUILDS;

const modules = new Map<WasmBuild, Promise<WasmModule>>();

/**
 * One instance of each build's module per process, so model files are written once and every
 * RawWasmSim of a build shares it. The packages ship their own types; only the subset above is used.
 */
function moduleOf(build: WasmBuild): Promise<WasmModule> {
  let m = modules.get(build);
  if (m === undefined) {
    m = WASM_BUILDS[build]
      .importModule()
      .then((pkg) => (pkg.default as unknown as () => Promise<WasmModule>)());
    modules.set(build, m);
  }
  return m;
}

/** The MuJoCo version a build reports (e.g. "3.14.0"). */
export async function wasmVersion(build: WasmBuild): Promise<string> {
  return (await moduleOf(build)).mj_versionString();
}

/** Every file under `dir` (recursively), relative to it, for copying a task folder into the WASM FS. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

/** Copies `dir` into the module's FS under `/bench/<tag>/` (once per tag); returns that folder. */
function mountFolder(mj: WasmModule, dir: string, tag: string): string {
  const root = `/bench/${tag}`;
  if (mj.FS.analyzePath(root).exists) return root;
  const mkdirs = (path: string): void => {
    let at = '';
    for (const part of path.split('/').filter((s) => s !== '')) {
      at += `/${part}`;
      if (!mj.FS.analyzePath(at).exists) mj.FS.mkdir(at);
    }
  };
  mkdirs(root);
  for (const rel of listFiles(dir)) {
    const target = `${root}/${rel.split(/[\\/]/).join('/')}`;
    mkdirs(target.slice(0, target.lastIndexOf('/')));
    mj.FS.writeFile(target, readFileSync(join(dir, rel)));
  }
  return root;
}

/** Seconds and physics steps of one replay. */
export interface ReplayTiming {
  readonly seconds: number;
  readonly physicsSteps: number;
}

/**
 * An MjModel/MjData pair of one WASM build, loaded from an MJCF file whose folder (includes, meshes)
 * is copied into the module's virtual FS. Owns both handles; `dispose()` frees them and is idempotent.
 */
export class RawWasmSim {
  private disposed = false;

  private constructor(
    readonly build: WasmBuild,
    private readonly mj: WasmModule,
    private readonly model: WasmModel,
    private readonly data: WasmData,
  ) {}

  /** Loads `file` (inside `folder`, copied whole into the FS under `tag`) with `build`. */
  static async open(build: WasmBuild, folder: string, file: string, tag: string): Promise<RawWasmSim> {
    const mj = await moduleOf(build);
    const root = mountFolder(mj, folder, tag);
    const path = `${root}/${relative(folder, file).split(/[\\/]/).join('/')}`;
    let model: WasmModel | null;
    try {
      model = WASM_BUILDS[build].loadXml(mj, path);
    } catch (err) {
      throw new GailBridgeError('mjcf', `${build} could not load ${file}: ${describeWasmError(err)}`, {
        cause: err,
      });
    }
    if (model === null || model === undefined) {
      throw new GailBridgeError('mjcf', `${build} could not load ${file} (the loader returned null)`);
    }
    return new RawWasmSim(build, mj, model, new mj.MjData(model));
  }

  /** Actuator count of the loaded model. */
  get nu(): number {
    this.assertLive();
    return this.model.nu;
  }

  /**
   * Each actuator's control range; an actuator without one (MuJoCo stores [0, 0]) gets [-1, 1], the
   * range of the built-in tasks, so random controls stay the size a policy would send. The range is read
   * rather than `actuator_ctrllimited`, whose bool view @mujoco/mujoco 3.14 cannot return (BindingError
   * "memory_view<bool>").
   */
  ctrlRange(): { low: number[]; high: number[] } {
    this.assertLive();
    const { nu, actuator_ctrlrange: range } = this.model;
    const low: number[] = [];
    const high: number[] = [];
    for (let j = 0; j < nu; j++) {
      const on = range[2 * j]! < range[2 * j + 1]!;
      low.push(on ? range[2 * j]! : -1);
      high.push(on ? range[2 * j + 1]! : 1);
    }
    return { low, high };
  }

  /**
   * Replays `p` and times it: per env step, mj_resetData where the protocol resets, ctrl copied into
   * d->ctrl, `frameSkip` × mj_step. The ctrl view is fetched after each reset, since a view into WASM
   * memory is detached if the heap ever grows. With `rnePostConstraint`, mj_rnePostConstraint runs after
   * each env step as a task that rewards contact forces (cfrc_ext) does, so that share of the Env's
   * cost can be told apart from the Env's own.
   */
  replay(p: Protocol, options: { readonly rnePostConstraint?: boolean } = {}): ReplayTiming {
    this.assertLive();
    validateProtocol(p);
    if (p.nu !== this.model.nu) {
      throw new GailBridgeError(
        'shape',
        `${this.build}: the protocol has ${p.nu} controls, the model ${this.model.nu} actuators`,
      );
    }
    const { mj, model, data } = this;
    const { nu, frameSkip, steps, resets, ctrl } = p;
    const rne = options.rnePostConstraint === true;
    let view = data.ctrl;
    const t0 = process.hrtime.bigint();
    for (let t = 0; t < steps; t++) {
      if (resets[t] === 1) {
        mj.mj_resetData(model, data);
        view = data.ctrl;
      }
      for (let j = 0; j < nu; j++) view[j] = ctrl[t * nu + j]!;
      for (let k = 0; k < frameSkip; k++) mj.mj_step(model, data);
      if (rne) mj.mj_rnePostConstraint(model, data);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { seconds, physicsSteps: steps * frameSkip };
  }

  /** Frees MjData and MjModel; later calls are no-ops. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.data.delete();
    this.model.delete();
  }

  private assertLive(): void {
    if (this.disposed) throw new GailBridgeError('state', `${this.build} RawWasmSim used after dispose()`);
  }
}

/** Embind throws plain numbers (C++ exception pointers) or Errors; make either readable. */
function describeWasmError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return `WASM exception ${String(err)} (MuJoCo's message is not exposed by this build)`;
}
