/**
 * The MuJoCo model drawn with three.js: one mesh per visible geom (planes, spheres, capsules, ellipsoids,
 * cylinders, boxes, meshes; height fields are left out), placed every frame from MjData's geom_xpos and
 * geom_xmat, under a camera that follows the robot's root body (MuJoCo's "tracking" camera). Geom groups
 * 0–2 are drawn, as in MuJoCo's own viewer by default. MuJoCo is z-up; so is this scene's camera.
 */
import type { MjData, MjModel } from '@mujoco/mujoco';
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';

/** mjtGeom. */
const GEOM = {
  plane: 0,
  hfield: 1,
  sphere: 2,
  capsule: 3,
  ellipsoid: 4,
  cylinder: 5,
  box: 6,
  mesh: 7,
} as const;

type F64 = Float64Array;
type I32 = Int32Array;

function checkerTexture(): THREE.Texture {
  const c = document.createElement('canvas');
  c.width = 64;
  c.height = 64;
  const g = c.getContext('2d')!;
  g.fillStyle = '#d9dfe6';
  g.fillRect(0, 0, 64, 64);
  g.fillStyle = '#b7c0ca';
  g.fillRect(0, 0, 32, 32);
  g.fillRect(32, 32, 32, 32);
  const t = new THREE.CanvasTexture(c);
  t.wrapS = THREE.RepeatWrapping;
  t.wrapT = THREE.RepeatWrapping;
  t.colorSpace = THREE.SRGBColorSpace;
  return t;
}

/** Whether this browser's WebGL is SwiftShader or another software rasteriser. */
function softwareWebGL(): boolean {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (gl === null) return false;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return /swiftshader|llvmpipe|software/i.test(name);
}

/** The geometry of geom `g` in its own frame, or undefined for types not drawn. */
function geomGeometry(model: MjModel, g: number): THREE.BufferGeometry | undefined {
  const type = (model.geom_type as I32)[g]!;
  const size = model.geom_size as F64;
  const s0 = size[3 * g]!;
  const s1 = size[3 * g + 1]!;
  const s2 = size[3 * g + 2]!;
  switch (type) {
    case GEOM.plane: {
      const geo = new THREE.PlaneGeometry(2 * (s0 > 0 ? s0 : 50), 2 * (s1 > 0 ? s1 : 50));
      return geo;
    }
    case GEOM.sphere:
      return new THREE.SphereGeometry(s0, 24, 16);
    case GEOM.capsule:
      return new THREE.CapsuleGeometry(s0, 2 * s1, 8, 16).rotateX(Math.PI / 2);
    case GEOM.cylinder:
      return new THREE.CylinderGeometry(s0, s0, 2 * s1, 24).rotateX(Math.PI / 2);
    case GEOM.ellipsoid:
      return new THREE.SphereGeometry(1, 24, 16).scale(s0, s1, s2);
    case GEOM.box:
      return new THREE.BoxGeometry(2 * s0, 2 * s1, 2 * s2);
    case GEOM.mesh: {
      const id = (model.geom_dataid as I32)[g]!;
      if (id < 0) return undefined;
      const vadr = (model.mesh_vertadr as I32)[id]!;
      const vnum = (model.mesh_vertnum as I32)[id]!;
      const fadr = (model.mesh_faceadr as I32)[id]!;
      const fnum = (model.mesh_facenum as I32)[id]!;
      const vert = (model.mesh_vert as Float32Array).subarray(3 * vadr, 3 * (vadr + vnum));
      const face = (model.mesh_face as I32).subarray(3 * fadr, 3 * (fadr + fnum));
      const geo = new THREE.BufferGeometry();
      // Unindexed with face normals: meshes read as their facets, as in MuJoCo's viewer.
      const pos = new Float32Array(9 * fnum);
      for (let f = 0; f < 3 * fnum; f++) pos.set(vert.subarray(3 * face[f]!, 3 * face[f]! + 3), 3 * f);
      geo.setAttribute('position', new THREE.BufferAttribute(pos, 3));
      geo.computeVertexNormals();
      return geo;
    }
    default:
      return undefined;
  }
}

/** A three.js scene of one MuJoCo model. The caller owns it and calls `dispose`. */
export class ModelScene {
  readonly renderer: THREE.WebGLRenderer;
  readonly camera: THREE.PerspectiveCamera;
  readonly controls: OrbitControls;
  private readonly scene = new THREE.Scene();
  private readonly meshes: { g: number; mesh: THREE.Mesh }[] = [];
  private readonly m4 = new THREE.Matrix4();
  private readonly root = new THREE.Vector3();
  private readonly lastRoot = new THREE.Vector3();
  private first = true;
  /** Body whose position the camera follows (the first body under the world). */
  private readonly rootBody: number;
  /** Follow the root (the camera keeps its offset to it); the user can still orbit and zoom. */
  follow = true;
  /** WebGL is rasterised in software (no GPU): drawn without multisampling. */
  readonly software: boolean;

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly model: MjModel,
  ) {
    // Multisampling costs a software renderer (SwiftShader, a machine without a GPU) more than it shows.
    this.software = softwareWebGL();
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: !this.software });
    this.renderer.setPixelRatio(1);
    this.renderer.outputColorSpace = THREE.SRGBColorSpace;
    this.scene.background = new THREE.Color('#eef2f6');
    this.scene.fog = new THREE.Fog('#eef2f6', 8, 30);
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x667788, 1.6));
    const sun = new THREE.DirectionalLight(0xffffff, 1.8);
    sun.position.set(3, -4, 6);
    this.scene.add(sun);
    this.camera = new THREE.PerspectiveCamera(45, canvas.width / canvas.height, 0.01, 100);
    this.camera.up.set(0, 0, 1);
    this.controls = new OrbitControls(this.camera, canvas);
    const ngeom = model.ngeom;
    const group = model.geom_group as I32;
    const rgba = model.geom_rgba as Float32Array;
    const matid = model.geom_matid as I32;
    const matRgba = model.mat_rgba as Float32Array;
    for (let g = 0; g < ngeom; g++) {
      if (group[g]! > 2) continue;
      const m = matid[g]!;
      const c = m >= 0 ? matRgba.subarray(4 * m, 4 * m + 4) : rgba.subarray(4 * g, 4 * g + 4);
      if (c[3]! === 0) continue;
      const geometry = geomGeometry(model, g);
      if (geometry === undefined) continue;
      const isPlane = (model.geom_type as I32)[g] === GEOM.plane;
      const material = new THREE.MeshStandardMaterial({
        color: new THREE.Color(c[0]!, c[1]!, c[2]!),
        roughness: 0.7,
        metalness: 0.05,
        transparent: c[3]! < 1,
        opacity: c[3]!,
      });
      if (isPlane) {
        const tex = checkerTexture();
        const p = (geometry as THREE.PlaneGeometry).parameters;
        tex.repeat.set(p.width / 1, p.height / 1);
        material.map = tex;
        material.color.set(0xffffff);
      }
      const mesh = new THREE.Mesh(geometry, material);
      mesh.matrixAutoUpdate = false;
      this.scene.add(mesh);
      this.meshes.push({ g, mesh });
    }
    const parent = model.body_parentid as I32;
    let root = 0;
    for (let b = 1; b < model.nbody; b++)
      if (parent[b] === 0) {
        root = b;
        break;
      }
    this.rootBody = root;
  }

  /** Places every geom from `data` (after mj_forward or mj_kinematics) and draws a frame. */
  render(data: MjData): void {
    this.place(data);
    this.renderer.render(this.scene, this.camera);
  }

  private place(data: MjData): void {
    const xpos = data.geom_xpos as F64;
    const xmat = data.geom_xmat as F64;
    for (const { g, mesh } of this.meshes) {
      const p = 3 * g;
      const r = 9 * g;
      this.m4.set(
        xmat[r]!,
        xmat[r + 1]!,
        xmat[r + 2]!,
        xpos[p]!,
        xmat[r + 3]!,
        xmat[r + 4]!,
        xmat[r + 5]!,
        xpos[p + 1]!,
        xmat[r + 6]!,
        xmat[r + 7]!,
        xmat[r + 8]!,
        xpos[p + 2]!,
        0,
        0,
        0,
        1,
      );
      mesh.matrix.copy(this.m4);
      mesh.matrixWorldNeedsUpdate = true;
    }
    const bx = data.xpos as F64;
    this.root.set(bx[3 * this.rootBody]!, bx[3 * this.rootBody + 1]!, bx[3 * this.rootBody + 2]!);
    if (this.first) {
      // Frame the robot (its geoms but planes) from the side, a little above, as MuJoCo's viewer does.
      const r = this.robotRadius(data);
      this.controls.target.copy(this.root);
      this.camera.position.set(this.root.x + 0.6 * r, this.root.y - 3 * r, this.root.z + 0.5 * r);
      this.camera.near = r / 50;
      this.camera.far = r * 200;
      this.camera.updateProjectionMatrix();
      this.first = false;
    } else if (this.follow) {
      // The camera and its target move with the root in x and y; height stays (the horizon does not bob).
      const dx = this.root.x - this.lastRoot.x;
      const dy = this.root.y - this.lastRoot.y;
      this.camera.position.x += dx;
      this.camera.position.y += dy;
      this.controls.target.x += dx;
      this.controls.target.y += dy;
    }
    this.lastRoot.copy(this.root);
    this.controls.update();
  }

  /** Radius of a sphere around the root holding every geom but planes (at least 0.3 m). */
  private robotRadius(data: MjData): number {
    const xpos = data.geom_xpos as F64;
    const rbound = this.model.geom_rbound as F64;
    const type = this.model.geom_type as I32;
    let r = 0.3;
    for (let g = 0; g < this.model.ngeom; g++) {
      if (type[g] === GEOM.plane) continue;
      const d = Math.hypot(
        xpos[3 * g]! - this.root.x,
        xpos[3 * g + 1]! - this.root.y,
        xpos[3 * g + 2]! - this.root.z,
      );
      r = Math.max(r, d + rbound[g]!);
    }
    return r;
  }

  /** Fits the drawing buffer to the canvas's displayed size. */
  resize(width: number, height: number): void {
    this.renderer.setSize(width, height, false);
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
  }

  /** Frees the GPU buffers, textures and the WebGL context. Idempotent. */
  dispose(): void {
    for (const { mesh } of this.meshes) {
      mesh.geometry.dispose();
      const m = mesh.material as THREE.MeshStandardMaterial;
      m.map?.dispose();
      m.dispose();
    }
    this.meshes.length = 0;
    this.controls.dispose();
    this.renderer.dispose();
  }
}
