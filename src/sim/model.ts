/**
 * Loading MJCF into MuJoCo WASM. `loadModel` copies the model file, its `<include>`s and asset files
 * (meshes, textures, height fields, skins) into a private folder of the Emscripten filesystem, compiles,
 * and removes the folder again, so nothing lingers in the WASM heap but the compiled model. Every
 * failure becomes a `GailBridgeError('mjcf')` naming the file, the problem and the fix.
 *
 * `LoadedModel` is the one owner of an MjModel/MjData pair (STYLE 10): `dispose()` frees both, is
 * idempotent, and any later use throws a `state` error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, resolve } from 'node:path';
import type { MjData, MjModel } from '@mujoco/mujoco';
import { fileReadError, GailBridgeError } from '../core/errors.js';
import { describeThrown, loadMujoco, type Mujoco } from './mujoco.js';

/**
 * Where the MJCF comes from: a file (with includes and assets next to it), or a string with optional
 * asset files given by relative path (e.g. `{ 'meshes/foot.stl': bytes }`).
 */
export type ModelSource =
  | { readonly path: string }
  | {
      readonly xml: string;
      readonly assets?: Readonly<Record<string, string | Uint8Array>>;
      /** Name used in error messages; default "<MJCF string>". */
      readonly name?: string;
      /** Where the MJCF sits among the assets (its includes resolve from there); default "model.xml". */
      readonly mainPath?: string;
    };

/**
 * Live views into one MjData, re-acquired together whenever WASM memory has grown (growth detaches
 * every earlier view). Row-major: xpos and xipos are nbody × 3, cinert nbody × 10, cvel and cfrc_ext
 * nbody × 6, site_xpos nsite × 3; qfrc_actuator has nv elements.
 */
export interface DataViews {
  readonly qpos: Float64Array;
  readonly qvel: Float64Array;
  readonly qacc: Float64Array;
  readonly ctrl: Float64Array;
  readonly xpos: Float64Array;
  readonly xipos: Float64Array;
  readonly site_xpos: Float64Array;
  readonly cfrc_ext: Float64Array;
  /** Body inertia about the subtree's centre of mass: Ixx, Iyy, Izz, Ixy, Ixz, Iyz, m·cx, m·cy, m·cz, m. */
  readonly cinert: Float64Array;
  /** Body velocity at the subtree's centre of mass, angular (3) then linear (3). */
  readonly cvel: Float64Array;
  readonly qfrc_actuator: Float64Array;
  readonly qfrc_constraint: Float64Array;
  readonly sensordata: Float64Array;
}

/** MuJoCo joint types (mjtJoint). */
export const JOINT_TYPES = ['free', 'ball', 'slide', 'hinge'] as const;
export type JointType = (typeof JOINT_TYPES)[number];

/** Names and layout of a compiled model, read once at load (plain JS data, safe after dispose). */
export interface ModelInfo {
  readonly nq: number;
  readonly nv: number;
  readonly nu: number;
  readonly nbody: number;
  readonly nsensordata: number;
  /** Physics timestep in seconds. */
  readonly timestep: number;
  readonly jointNames: readonly string[];
  readonly jointTypes: readonly JointType[];
  /** First qpos index of each joint. */
  readonly jointQposAdr: readonly number[];
  /** First qvel index of each joint. */
  readonly jointDofAdr: readonly number[];
  /** Body each joint moves. */
  readonly jointBodyIds: readonly number[];
  /** Joint axis (x, y, z) in the body frame, per joint. */
  readonly jointAxes: readonly (readonly [number, number, number])[];
  readonly bodyNames: readonly string[];
  /** Mass of each body in kg (the world's is 0). */
  readonly bodyMasses: readonly number[];
  readonly siteNames: readonly string[];
  readonly actuatorNames: readonly string[];
  /** [low, high] per actuator; low === high === 0 when the actuator has no ctrlrange (unlimited). */
  readonly ctrlRange: readonly (readonly [number, number])[];
  readonly sensorNames: readonly string[];
  readonly sensorDims: readonly number[];
}

let folderCounter = 0;
const FS_ROOT = '/gail-bridge-mjcf';

/** Loads MJCF from a file or a string (loading the MuJoCo module first if needed). */
export async function loadModel(source: ModelSource): Promise<LoadedModel> {
  const mujoco = await loadMujoco();
  return loadModelWith(mujoco, source);
}

/** Synchronous `loadModel` for callers that already hold the module. */
export function loadModelWith(mujoco: Mujoco, source: ModelSource): LoadedModel {
  const folder = `${FS_ROOT}/${typeof process === 'object' ? process.pid : 0}-${folderCounter++}`;
  const where = 'path' in source ? source.path : (source.name ?? '<MJCF string>');
  let model: MjModel | null = null;
  try {
    mkdirTree(mujoco, folder);
    const mainInFs =
      'path' in source ? stageFile(mujoco, folder, source.path) : stageString(mujoco, folder, source);
    try {
      model = mujoco.MjModel.from_xml_path(mainInFs) as MjModel | null;
    } catch (err) {
      throw mjcfError(where, describeThrown(err), folder, err, (missing) =>
        missingAssetHint(mujoco, folder, mainInFs, missing),
      );
    }
    if (model === null || model === undefined) {
      throw mjcfError(where, 'MuJoCo returned no model (a bare mjXError)', folder);
    }
    let data: MjData;
    try {
      data = new mujoco.MjData(model);
    } catch (err) {
      throw new GailBridgeError(
        'mjcf',
        `MJCF ${where}: compiled, but MuJoCo could not allocate its data (${describeThrown(err)}). ` +
          'Reduce <size memory=...> or the model size.',
        { cause: err },
      );
    }
    const loaded = new LoadedModel(mujoco, where, model, data);
    model = null;
    return loaded;
  } finally {
    if (model !== null) model.delete();
    removeTree(mujoco, folder);
  }
}

/** Owner of one MjModel/MjData pair. */
export class LoadedModel {
  /** The model file path, or the name given to a string model. */
  readonly origin: string;
  readonly info: ModelInfo;
  readonly mujoco: Mujoco;
  private mjModel: MjModel | null;
  private mjData: MjData | null;
  private cached: DataViews;

  /** Takes ownership of `model` and `data`; use `loadModel` rather than calling this. */
  constructor(mujoco: Mujoco, origin: string, model: MjModel, data: MjData) {
    this.mujoco = mujoco;
    this.origin = origin;
    this.mjModel = model;
    this.mjData = data;
    this.info = readInfo(model);
    this.cached = acquireViews(data);
  }

  /** The MjModel; throws a `state` error after dispose. */
  get model(): MjModel {
    if (this.mjModel === null) throw disposedError(this.origin);
    return this.mjModel;
  }

  /** The MjData; throws a `state` error after dispose. */
  get data(): MjData {
    if (this.mjData === null) throw disposedError(this.origin);
    return this.mjData;
  }

  /** Whether dispose() has run. */
  get disposed(): boolean {
    return this.mjModel === null;
  }

  /** Views into MjData, re-acquired if WASM memory grew since the last call. Do not hold across loads. */
  views(): DataViews {
    if (this.mjData === null) throw disposedError(this.origin);
    // A grown WebAssembly.Memory detaches its old ArrayBuffer (byteLength 0); the heap is never empty.
    if (this.cached.qpos.buffer.byteLength === 0) this.cached = acquireViews(this.data);
    return this.cached;
  }

  /** Frees MjData and MjModel. Idempotent. */
  dispose(): void {
    if (this.mjData !== null) {
      this.mjData.delete();
      this.mjData = null;
    }
    if (this.mjModel !== null) {
      this.mjModel.delete();
      this.mjModel = null;
    }
  }
}

function disposedError(origin: string): GailBridgeError {
  return new GailBridgeError(
    'state',
    `model ${origin} was used after dispose(); load it again with loadModel() if you still need it`,
  );
}

function acquireViews(data: MjData): DataViews {
  return {
    qpos: data.qpos as Float64Array,
    qvel: data.qvel as Float64Array,
    qacc: data.qacc as Float64Array,
    ctrl: data.ctrl as Float64Array,
    xpos: data.xpos as Float64Array,
    xipos: data.xipos as Float64Array,
    site_xpos: data.site_xpos as Float64Array,
    cfrc_ext: data.cfrc_ext as Float64Array,
    cinert: data.cinert as Float64Array,
    cvel: data.cvel as Float64Array,
    qfrc_actuator: data.qfrc_actuator as Float64Array,
    qfrc_constraint: data.qfrc_constraint as Float64Array,
    sensordata: data.sensordata as Float64Array,
  };
}

function readInfo(model: MjModel): ModelInfo {
  // Names come from the model's name buffer: mj_id2name returns garbage (not null) for unnamed
  // objects in this WASM build, so unnamed ones are detected here and given `${prefix}${index}`.
  const buffer = new Uint8Array(Int8Array.from(model.names as Int8Array).buffer);
  const decoder = new TextDecoder();
  const names = (adr: Int32Array, prefix: string): string[] =>
    Array.from(adr, (start, i) => {
      let end = start;
      while (end < buffer.length && buffer[end] !== 0) end++;
      return end === start ? `${prefix}${i}` : decoder.decode(buffer.subarray(start, end));
    });
  const jntType = model.jnt_type as Int32Array;
  const range = model.actuator_ctrlrange as Float64Array;
  const ctrlRange: [number, number][] = [];
  for (let i = 0; i < model.nu; i++) ctrlRange.push([range[2 * i]!, range[2 * i + 1]!]);
  const opt = model.opt;
  return {
    nq: model.nq,
    nv: model.nv,
    nu: model.nu,
    nbody: model.nbody,
    nsensordata: model.nsensordata,
    timestep: opt.timestep,
    jointNames: names(model.name_jntadr as Int32Array, 'joint'),
    jointTypes: Array.from(jntType, (t) => JOINT_TYPES[t] ?? 'hinge'),
    jointQposAdr: Array.from(model.jnt_qposadr as Int32Array),
    jointDofAdr: Array.from(model.jnt_dofadr as Int32Array),
    jointBodyIds: Array.from(model.jnt_bodyid as Int32Array),
    jointAxes: Array.from({ length: model.njnt }, (_, i) => {
      const axis = model.jnt_axis as Float64Array;
      return [axis[3 * i]!, axis[3 * i + 1]!, axis[3 * i + 2]!] as const;
    }),
    bodyNames: names(model.name_bodyadr as Int32Array, 'body'),
    bodyMasses: Array.from(model.body_mass as Float64Array),
    siteNames: names(model.name_siteadr as Int32Array, 'site'),
    actuatorNames: names(model.name_actuatoradr as Int32Array, 'actuator'),
    ctrlRange,
    sensorNames: names(model.name_sensoradr as Int32Array, 'sensor'),
    sensorDims: Array.from(model.sensor_dim as Int32Array),
  };
}

// ---------------------------------------------------------------------------------------------------
// Staging files into the Emscripten filesystem

/**
 * Copies `hostPath` and every file it references into `folder`, mirroring host absolute paths, so
 * that relative references (`../meshes/a.stl`, meshdir/texturedir/assetdir) resolve exactly as on disk.
 * Returns the main file's path inside the WASM filesystem.
 */
function stageFile(mujoco: Mujoco, folder: string, hostPath: string): string {
  const { main, files } = modelFiles(hostPath);
  for (const [file, bytes] of files) writeFs(mujoco, folder + file, bytes);
  return folder + main;
}

/**
 * The model file `hostPath` and every file it references (includes, meshes, textures, height fields,
 * skins), by absolute path, read from disk: what MuJoCo needs to compile it elsewhere (the WASM
 * filesystem here, the view page's copy of MuJoCo in a browser).
 */
export function modelFiles(hostPath: string): { main: string; files: Map<string, Uint8Array> } {
  const main = resolve(hostPath);
  if (!existsSync(main)) {
    throw new GailBridgeError(
      'mjcf',
      `MJCF ${hostPath}: file not found (resolved to ${main}). Check the path passed to --model or loadModel.`,
    );
  }
  const modelDir = dirname(main);
  const files = new Map<string, Uint8Array>();
  const queue: string[] = [main];
  let assetDirs: string[] = [modelDir];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (files.has(file)) continue;
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      throw fileReadError('MJCF file', file === main ? hostPath : file, err, 'mjcf');
    }
    files.set(file, bytes);
    if (!/\.xml$/i.test(file) && file !== main) continue;
    const text = bytes.toString('utf8');
    const compiler = /<compiler\b[^>]*>/i.exec(text)?.[0];
    if (compiler !== undefined) {
      const dirs = ['meshdir', 'texturedir', 'assetdir']
        .map((a) => attr(compiler, a))
        .filter((d): d is string => d !== undefined)
        .map((d) => resolve(modelDir, d));
      assetDirs = [...new Set([...assetDirs, ...dirs])];
    }
    for (const m of text.matchAll(/<(\w+)\b[^>]*?>/g)) {
      const tag = m[1]!.toLowerCase();
      for (const fm of m[0].matchAll(/\b(file\w*)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
        const ref = fm[3] ?? fm[4] ?? '';
        if (ref === '') continue;
        if (isAbsolute(ref)) {
          throw new GailBridgeError(
            'mjcf',
            `MJCF ${file}: <${tag} ${fm[1]}="${ref}"> is an absolute path; use a path relative to the model ` +
              'file (or to compiler meshdir/texturedir) so the model can be staged into MuJoCo WASM.',
          );
        }
        const bases = tag === 'include' ? [dirname(file), modelDir] : [...assetDirs, dirname(file)];
        const found = bases.map((b) => join(b, ref)).find((p) => existsSync(p));
        // A missing file is left for MuJoCo to report, so the message names the element that wanted it.
        if (found !== undefined) queue.push(found);
      }
    }
  }
  return { main, files };
}

function stageString(
  mujoco: Mujoco,
  folder: string,
  source: { xml: string; assets?: Readonly<Record<string, string | Uint8Array>>; mainPath?: string },
): string {
  const mainPath = source.mainPath ?? 'model.xml';
  for (const [rel, content] of [...Object.entries(source.assets ?? {}), [mainPath, ''] as const]) {
    if (isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) {
      throw new GailBridgeError(
        'mjcf',
        `MJCF string asset "${rel}": asset names must be relative paths inside the model folder (no "..")`,
      );
    }
    writeFs(mujoco, `${folder}/model/${rel}`, content);
  }
  const main = `${folder}/model/${mainPath}`;
  writeFs(mujoco, main, source.xml);
  return main;
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(tag);
  return m === null ? undefined : (m[2] ?? m[3]);
}

function writeFs(mujoco: Mujoco, path: string, content: string | Uint8Array): void {
  mkdirTree(mujoco, path.slice(0, path.lastIndexOf('/')));
  mujoco.FS.writeFile(path, content);
}

function mkdirTree(mujoco: Mujoco, path: string): void {
  mujoco.FS.mkdirTree(path, 0o777);
}

/** Removes `path` and everything under it; missing paths are fine (cleanup after partial staging). */
function removeTree(mujoco: Mujoco, path: string): void {
  const fs = mujoco.FS;
  const found = fs.analyzePath(path, false) as { exists: boolean };
  if (!found.exists) return;
  const walk = (p: string): void => {
    const st = fs.stat(p, false) as { mode: number };
    if (fs.isDir(st.mode)) {
      for (const name of fs.readdir(p) as string[]) {
        if (name !== '.' && name !== '..') walk(`${p}/${name}`);
      }
      fs.rmdir(p);
    } else {
      fs.unlink(p);
    }
  };
  walk(path);
}

// ---------------------------------------------------------------------------------------------------
// Error translation

/** Which compiler directory an element's file attribute resolves against (MJCF reference, "compiler"). */
const ASSET_DIR_OF_TAG: Readonly<Record<string, 'meshdir' | 'texturedir'>> = {
  mesh: 'meshdir',
  skin: 'meshdir',
  hfield: 'meshdir',
  texture: 'texturedir',
};

/**
 * Where MuJoCo looks for a missing asset, in the message's words. MuJoCo (3.x, checked on the WASM build)
 * resolves a mesh, skin or height field file against the compiler meshdir (textures: texturedir; both
 * default to assetdir) that is in effect for the whole model, i.e. the last `<compiler>` setting in
 * document order with includes expanded, taken from the main model file's folder; failing that, it tries
 * the folder of the file that declares the element, and its error names only that last attempt, which
 * points the user at the wrong place when the element sits in an `<include>`d file. This names the first
 * path, the element and the file that declares it. `missing` is MuJoCo's path with the staging folder
 * removed; paths here are WASM-FS paths, shown without the folder.
 */
function missingAssetHint(
  mujoco: Mujoco,
  folder: string,
  mainInFs: string,
  missing: string,
): string | undefined {
  const modelDir = posix.dirname(mainInFs);
  const read = (path: string): string | undefined => {
    try {
      return mujoco.FS.readFile(path, { encoding: 'utf8' }) as unknown as string;
    } catch {
      return undefined;
    }
  };
  const dirs: Record<string, string> = {};
  const refs: { tag: string; ref: string; file: string }[] = [];
  const walk = (file: string, depth: number): void => {
    const text = read(file);
    if (text === undefined || depth > 32) return;
    for (const m of text.matchAll(/<(\w+)\b[^>]*?>/g)) {
      const tag = m[1]!.toLowerCase();
      if (tag === 'compiler') {
        for (const a of ['meshdir', 'texturedir', 'assetdir']) {
          const v = attr(m[0], a);
          if (v !== undefined) dirs[a] = v;
        }
        continue;
      }
      const ref = attr(m[0], 'file');
      if (ref === undefined || ref === '') continue;
      if (tag === 'include') {
        const found = [posix.join(posix.dirname(file), ref), posix.join(modelDir, ref)].find(
          (p) => read(p) !== undefined,
        );
        if (found !== undefined) walk(found, depth + 1);
      } else refs.push({ tag, ref, file });
    }
  };
  walk(mainInFs, 0);
  const shown = (p: string): string => p.split(folder).join('');
  for (const r of refs) {
    const dirAttr = ASSET_DIR_OF_TAG[r.tag];
    const dir = dirAttr === undefined ? undefined : (dirs[dirAttr] ?? dirs['assetdir']);
    const primary = posix.join(modelDir, dir ?? '', r.ref);
    const fallback = posix.join(posix.dirname(r.file), r.ref);
    if (shown(primary) !== missing && shown(fallback) !== missing) continue;
    const against =
      dir === undefined
        ? `the model file's folder${dirAttr === undefined ? '' : ` (no compiler ${dirAttr} is set)`}`
        : `compiler ${dirs[dirAttr!] !== undefined ? dirAttr : 'assetdir'} "${dir}" from the model file's folder`;
    const then =
      fallback === primary
        ? ''
        : ` (MuJoCo then tries ${shown(fallback)}, next to the file that declares it)`;
    return (
      `missing file ${shown(primary)}: <${r.tag} file="${r.ref}"> in ${shown(r.file)} resolves against ` +
      `${against}${then}`
    );
  }
  return undefined;
}

/**
 * Turns MuJoCo's loader text ("MuJoCo Error: Loading error: XML Error: invalid keyword: 'hinx'\nElement
 * 'joint', line 1") into one message: the file, the problem, where, and what to do.
 */
function mjcfError(
  where: string,
  raw: string,
  folder: string,
  cause?: unknown,
  /** Explains a missing asset (given the path MuJoCo last tried), or undefined when it cannot. */
  explainMissing?: (missing: string) => string | undefined,
): GailBridgeError {
  const text = raw
    .split(folder)
    .join('')
    .replace(/^MuJoCo Error:\s*/i, '')
    .replace(/^Loading error:\s*/i, '')
    .trim();
  const oneLine = text.replace(/\s*\n+\s*/g, '; ');
  const lineNo = /line(?: number=)?\s*[=:]?\s*(\d+)/i.exec(text)?.[1];
  const at = lineNo === undefined ? '' : ` (line ${lineNo})`;
  let fix: string;
  const missing = /Error opening file '([^']*)'/i.exec(text)?.[1];
  const explained = missing === undefined ? undefined : explainMissing?.(missing);
  if (explained !== undefined)
    return new GailBridgeError('mjcf', `MJCF ${where}: ${explained} — add the file or fix the path.`, {
      cause,
    });
  if (/XML parse error|XML_ERROR/i.test(text)) {
    fix = `malformed XML${at}: fix the XML syntax (unclosed or mismatched element)`;
  } else if (missing !== undefined) {
    fix =
      `missing file ${missing}: includes resolve relative to the model file's folder, meshes and textures ` +
      'relative to compiler meshdir/texturedir (or the model folder); add the file or fix the path';
  } else if (/unknown transmission target|unknown joint|unknown .* target/i.test(text)) {
    fix = `an actuator (or tendon/sensor) names something that does not exist${at}: fix the joint/site name it refers to`;
  } else if (
    /invalid keyword|bad format in attribute|unrecognized attribute|unrecognized element|invalid attribute|must be/i.test(
      text,
    )
  ) {
    fix = `bad attribute or element${at}: check it against the MJCF reference for MuJoCo 3.x`;
  } else {
    fix = 'MuJoCo could not compile the model: check the element named above against the MJCF reference';
  }
  return new GailBridgeError('mjcf', `MJCF ${where}: ${oneLine} — ${fix}.`, { cause });
}
