/// <reference lib="dom" />
/**
 * The view page (served by src/view/server.ts): the model drawn in 3D (scene.ts) from the same MuJoCo
 * WASM build and the same env and task code as the CLI, playing a demo file's episodes (poses read back
 * from the recorded observations, pose.ts) or a policy rolled out live here (its mean network evaluated
 * by data/policy-mean.ts, σ-noise from core/rng.ts when sampled); and the learning curves of run folders,
 * updated as metrics.jsonl grows (server-sent events), drawn by run/chart.ts as report.html's are.
 *
 * `window.__view` exposes the page's state to the browser tests and the FPS bench.
 */

import { Rng } from '../../core/rng.js';
import { compilePolicyMean } from '../../data/policy-mean.js';
import {
  type ChartSeries,
  escapeHtml,
  formatNumber,
  lineChart,
  type ReferenceLine,
} from '../../run/chart.js';
import { aggregate, metricKeys, RETURN_KEYS, type Row, scoreReferences, smooth } from '../../run/curves.js';
import type { MujocoEnv } from '../../sim/env.js';
import type { GenericEnvOptions } from '../../sim/generic.js';
import { makeGenericEnvWith } from '../../sim/generic.js';
import type { ModelSource } from '../../sim/model.js';
import { loadMujoco } from '../../sim/mujoco.js';
import { makeTaskEnvWith } from '../../sim/tasks/index.js';
import { describePlan, episodePoses, posePlan } from '../pose.js';
import type { EpisodeSummary, PolicyPayload, RunEntry, ViewSession } from '../session.js';
import { ModelScene } from './scene.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function float32(s: string): Float32Array {
  const b = fromBase64(s);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/** What the tests and the bench read. */
interface ViewProbe {
  ready: boolean;
  error: string | undefined;
  /** Frames drawn since load, and the time spent drawing them (ms). */
  frames: number;
  renderMs: number;
  mode: 'demo' | 'policy' | 'none';
  episode: number;
  frame: number;
  playing: boolean;
  /** Rows received per run id. */
  rows: Record<string, number>;
  /** Non-background pixels of the canvas and a hash of them. */
  pixelStats(): { nonBackground: number; hash: number };
}

const probe: ViewProbe = {
  ready: false,
  error: undefined,
  frames: 0,
  renderMs: 0,
  mode: 'none',
  episode: -1,
  frame: 0,
  playing: false,
  rows: {},
  pixelStats: () => ({ nonBackground: 0, hash: 0 }),
};
(window as unknown as { __view: ViewProbe }).__view = probe;

// ---------------------------------------------------------------------------------------------------
// The model and its players

interface Player {
  /** Seconds of simulated time per frame. */
  readonly dt: number;
  /** Advances one frame; false when the episode is over. */
  advance(): boolean;
  /** Sets MjData to the current frame. */
  show(): void;
  readonly status: () => string;
}

async function makeEnv(session: ViewSession): Promise<MujocoEnv> {
  const m = session.model!;
  const mujoco = await loadMujoco();
  const assets: Record<string, Uint8Array> = {};
  for (const [path, data] of Object.entries(m.files))
    if (path !== m.mainPath) assets[path] = fromBase64(data);
  const source: ModelSource = {
    xml: new TextDecoder().decode(fromBase64(m.files[m.mainPath]!)),
    assets,
    mainPath: m.mainPath,
    name: m.name,
  };
  const t = m.target;
  return t.kind === 'task'
    ? makeTaskEnvWith(mujoco, t.task, {}, source)
    : makeGenericEnvWith(mujoco, source, t.options as GenericEnvOptions);
}

function demoPlayer(
  env: MujocoEnv,
  session: ViewSession,
  episode: { obs: Float32Array; steps: number },
  setFrame: (k: number) => void,
): Player & { frame: number; readonly frames: number; poses: Float64Array; note: string } {
  const demo = session.demo!;
  const info = env.model.info;
  const plan = posePlan(info, demo.obsNames);
  const qpos0 = env.model.model.qpos0 as Float64Array;
  const frames = episode.steps + 1;
  const poses = episodePoses(plan, episode.obs, frames, demo.obsNames.length, demo.dt, qpos0);
  const nq = info.nq;
  const p = {
    dt: demo.dt,
    frame: 0,
    frames,
    poses,
    note: describePlan(plan),
    advance() {
      if (p.frame >= frames - 1) return false;
      p.frame++;
      setFrame(p.frame);
      return true;
    },
    show() {
      const sim = env.model;
      const v = sim.views();
      v.qpos.set(poses.subarray(p.frame * nq, (p.frame + 1) * nq));
      v.qvel.fill(0);
      sim.mujoco.mj_forward(sim.model, sim.data);
    },
    status: () => `frame ${p.frame} of ${frames - 1} (${(p.frame * demo.dt).toFixed(2)} s)`,
  };
  return p;
}

function policyPlayer(env: MujocoEnv, policy: PolicyPayload, sampled: () => boolean, seed: number): Player {
  const tensors = policy.tensors.map((t) => ({ name: t.name, shape: t.shape, data: float32(t.data) }));
  const n = policy.obsNorm;
  const obsNorm = { ...n, mean: Float64Array.from(n.mean), var: Float64Array.from(n.var) };
  const mean = compilePolicyMean({ architecture: policy.architecture, tensors, obsNorm });
  const logStd = tensors.find((t) => t.name === 'policy/logStd')!.data;
  if (policy.obsNames.length !== env.spec.observation.names.length)
    throw new Error(
      `the policy observes ${policy.obsNames.length} values, this model's env ${env.spec.observation.names.length}: ` +
        'give the --task or --model (and --task-config) it was trained on',
    );
  const rng = new Rng(seed);
  let episode = 0;
  let obs = env.reset(seed);
  let ret = 0;
  let steps = 0;
  let ended = '';
  let lastReturn = '';
  const act = new Float64Array(policy.architecture.actDim);
  return {
    dt: env.spec.dt,
    advance() {
      if (ended !== '') {
        episode++;
        obs = env.reset(seed + episode);
        lastReturn = `last episode: return ${ret.toFixed(1)}, ${steps} steps, ${ended}; `;
        ret = 0;
        steps = 0;
        ended = '';
        return true;
      }
      const mu = mean(obs, 1);
      for (let j = 0; j < act.length; j++)
        act[j] = sampled() ? mu[j]! + Math.exp(logStd[j]!) * rng.normal() : mu[j]!;
      const r = env.step(act);
      obs = r.obs;
      ret += r.reward;
      steps++;
      if (r.terminated) ended = 'terminated';
      else if (r.truncated) ended = 'truncated';
      else if (r.diverged) ended = 'diverged';
      return true;
    },
    show() {},
    status: () =>
      `${lastReturn}episode ${episode + 1}: step ${steps}, return ${ret.toFixed(1)}${ended ? ` (${ended})` : ''}`,
  };
}

async function startViewer(session: ViewSession): Promise<void> {
  const canvas = $<HTMLCanvasElement>('scene');
  if (session.model === null) {
    $('viewer').classList.add('empty');
    $('model-note').textContent = session.modelNote;
    return;
  }
  $('model-name').textContent = session.model.name;
  const env = await makeEnv(session);
  const scene = new ModelScene(canvas, env.model.model);
  const fit = () => scene.resize(canvas.clientWidth, canvas.clientHeight);
  fit();
  new ResizeObserver(fit).observe(canvas);
  const gl = scene.renderer.getContext();
  probe.pixelStats = () => {
    // Drawn again and read in the same task: the drawing buffer is not kept between frames.
    player?.show();
    scene.render(env.model.data);
    const w = gl.drawingBufferWidth;
    const h = gl.drawingBufferHeight;
    const px = new Uint8Array(w * h * 4);
    gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, px);
    // The background is #eef2f6; anything else is the model or the floor.
    let n = 0;
    let hash = 0;
    for (let i = 0; i < px.length; i += 4) {
      const d = Math.abs(px[i]! - 0xee) + Math.abs(px[i + 1]! - 0xf2) + Math.abs(px[i + 2]! - 0xf6);
      if (d > 24) {
        n++;
        hash = (Math.imul(hash, 31) + i + px[i]! * 7 + px[i + 1]! * 13 + px[i + 2]!) | 0;
      }
    }
    return { nonBackground: n, hash };
  };

  const mode = $<HTMLSelectElement>('mode');
  const play = $<HTMLButtonElement>('play');
  const scrub = $<HTMLInputElement>('scrub');
  const speed = $<HTMLSelectElement>('speed');
  const sampled = $<HTMLInputElement>('sampled');
  const status = $('status');
  const note = $('pose-note');
  const policySelect = $<HTMLSelectElement>('policy-source');

  // Policies to play: the policy file given, and each run's policy.policy.
  const policies: { label: string; load: () => Promise<PolicyPayload> }[] = [];
  if (session.policy) policies.push({ label: session.policy.path, load: async () => session.policy! });
  for (const r of session.runs)
    if (r.hasPolicy)
      policies.push({
        label: `${r.dir}/policy.policy`,
        load: () => getJson<PolicyPayload>(`/api/runs/${r.id}/policy`),
      });
  policySelect.innerHTML = policies
    .map((p, i) => `<option value="${i}">${escapeHtml(p.label)}</option>`)
    .join('');
  mode.innerHTML = [
    ...(session.demo ? ['<option value="demo">demo file</option>'] : []),
    ...(policies.length > 0 ? ['<option value="policy">policy, live</option>'] : []),
  ].join('');

  let player: Player | undefined;
  let playing = true;
  let acc = 0;
  let seed = 1;
  const setPlaying = (on: boolean) => {
    playing = on;
    probe.playing = on;
    play.textContent = on ? 'Pause' : 'Play';
  };
  play.onclick = () => setPlaying(!playing);

  const episodes = session.demo?.episodes ?? [];
  const selectEpisode = async (i: number) => {
    const e = await getJson<{ obs: string; steps: number }>(`/api/demo/${i}`);
    const p = demoPlayer(env, session, { obs: float32(e.obs), steps: e.steps }, (k) => {
      scrub.value = String(k);
      probe.frame = k;
    });
    player = p;
    probe.episode = i;
    probe.frame = 0;
    scrub.max = String(p.frames - 1);
    scrub.value = '0';
    scrub.disabled = false;
    scrub.oninput = () => {
      p.frame = Number(scrub.value);
      probe.frame = p.frame;
    };
    note.textContent = `Demo playback: ${p.note}.`;
    for (const tr of document.querySelectorAll('#episodes tbody tr'))
      tr.classList.toggle('selected', (tr as HTMLElement).dataset['index'] === String(i));
    acc = 0;
  };
  const startPolicy = async () => {
    const payload = await policies[Number(policySelect.value || 0)]!.load();
    player = policyPlayer(env, payload, () => sampled.checked, seed++);
    probe.episode = -1;
    scrub.disabled = true;
    note.textContent =
      `Policy rolled out live in this page: ${payload.architecture.hidden.join('×')} ${payload.architecture.activation} MLP ` +
      `(${payload.training.algo}, ${payload.training.envSteps} env steps), ${sampled.checked ? 'sampled a ~ N(μ, σ²)' : 'deterministic a = μ'}, on ${session.model!.name}.`;
    acc = 0;
  };
  const setMode = async (m: string) => {
    probe.mode = m as ViewProbe['mode'];
    $('demo-panel').hidden = m !== 'demo';
    $('policy-panel').hidden = m !== 'policy';
    if (m === 'demo') await selectEpisode(episodes[Math.max(0, probe.episode)]?.index ?? 0);
    else await startPolicy();
  };
  mode.onchange = () => void setMode(mode.value).catch(fail);
  policySelect.onchange = () => void startPolicy().catch(fail);
  sampled.onchange = () => void startPolicy().catch(fail);
  $('restart').onclick = () => void startPolicy().catch(fail);

  const tbody = $('episodes').querySelector('tbody')!;
  tbody.innerHTML = episodes
    .map(
      (e: EpisodeSummary) =>
        `<tr data-index="${e.index}"><td>${e.index}</td><td>${e.steps}</td><td>${escapeHtml(e.end)}</td><td>${e.return === null ? '–' : e.return.toFixed(1)}</td></tr>`,
    )
    .join('');
  tbody.onclick = (ev) => {
    const tr = (ev.target as HTMLElement).closest('tr');
    if (tr) void selectEpisode(Number(tr.dataset['index'])).catch(fail);
  };

  if (mode.options.length > 0) await setMode(mode.value);
  let last = performance.now();
  const loop = (now: number) => {
    const elapsed = Math.min(0.25, (now - last) / 1000);
    last = now;
    if (player && playing) {
      acc += elapsed * Number(speed.value);
      let n = 0;
      while (acc >= player.dt && n < 50) {
        acc -= player.dt;
        n++;
        if (!player.advance()) {
          setPlaying(false);
          acc = 0;
          break;
        }
      }
    }
    const t0 = performance.now();
    player?.show();
    scene.render(env.model.data);
    probe.renderMs += performance.now() - t0;
    probe.frames++;
    status.textContent = player?.status() ?? '';
    requestAnimationFrame(loop);
  };
  setPlaying(true);
  requestAnimationFrame(loop);
}

// ---------------------------------------------------------------------------------------------------
// Learning curves

interface RunState {
  readonly entry: RunEntry;
  readonly rows: Row[];
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#e377c2'];
const PREFERRED = [
  'returnMean',
  'evalReturn',
  'normalizedScore',
  'discAccExpert',
  'discLoss',
  'trainLoss',
  'validationLoss',
];

function startCurves(session: ViewSession): void {
  if (session.runs.length === 0) {
    $('curves').hidden = true;
    return;
  }
  const runs = new Map<string, RunState>(session.runs.map((r) => [r.id, { entry: r, rows: [] }]));
  const groups = new Map<string, RunState[]>();
  for (const r of runs.values()) groups.set(r.entry.group, [...(groups.get(r.entry.group) ?? []), r]);
  const groupColor = new Map([...groups.keys()].map((g, i) => [g, PALETTE[i % PALETTE.length]!] as const));
  const selected = new Set<string>();
  let known: string[] = [];
  const xSelect = $<HTMLSelectElement>('x-axis');
  const smoothing = $<HTMLInputElement>('smoothing');
  const spread = $<HTMLInputElement>('show-seeds');
  const picker = $('metrics');

  const runTable = () => {
    $('runs').innerHTML =
      '<tr><th></th><th>run</th><th>algo</th><th>rounds</th><th>final evaluation</th><th>started</th><th>version</th><th>backend</th><th>command</th></tr>' +
      [...runs.values()]
        .map((r) => {
          const e = r.entry;
          return `<tr><td><span class="swatch" style="background:${groupColor.get(e.group)}"></span></td><td title="${escapeHtml(e.dir)}">${escapeHtml(e.name)}</td><td>${escapeHtml(e.config.algo)}</td><td class="num" data-run="${e.id}">${r.rows.length}</td><td>${e.evaluation ? `${formatNumber(e.evaluation.mean)} ± ${formatNumber(e.evaluation.std)}` : '–'}</td><td>${escapeHtml(e.meta.date)}</td><td>${escapeHtml(e.meta.version)}</td><td>${escapeHtml(e.meta.backend)}</td><td><code>${escapeHtml(e.meta.command)}</code></td></tr>`;
        })
        .join('');
  };

  const updatePicker = () => {
    const keys = metricKeys([...runs.values()].flatMap((r) => r.rows));
    // The algorithms' headline metrics first, the rest as the rows hold them; `iteration` repeats `round`.
    const found = [...new Set([...known, ...keys])].filter((k) => k !== 'iteration');
    const all = [
      ...PREFERRED.filter((k) => found.includes(k)),
      ...found.filter((k) => !PREFERRED.includes(k)),
    ];
    if (all.length === known.length) return;
    if (selected.size === 0) {
      for (const k of PREFERRED) if (all.includes(k) && selected.size < 4) selected.add(k);
      for (const k of all) if (selected.size < 2) selected.add(k);
    }
    known = all;
    picker.innerHTML = known
      .map(
        (k) =>
          `<label><input type="checkbox" value="${escapeHtml(k)}"${selected.has(k) ? ' checked' : ''}> ${escapeHtml(k)}</label>`,
      )
      .join('');
  };
  picker.onchange = (ev) => {
    const box = ev.target as HTMLInputElement;
    if (box.checked) selected.add(box.value);
    else selected.delete(box.value);
    schedule();
  };

  const groupLabel = (members: readonly RunState[]) => members.map((m) => m.entry.name).join(', ');

  const draw = () => {
    const xKey = xSelect.value;
    const w = Number(smoothing.value);
    const xLabel = xSelect.selectedOptions[0]?.textContent ?? xKey;
    const charts = known
      .filter((k) => selected.has(k))
      .map((key) => {
        const series: ChartSeries[] = [];
        const refs: ReferenceLine[] = [];
        for (const [g, members] of groups) {
          const color = groupColor.get(g)!;
          const curves = members.map((r) => ({
            xs: r.rows.map((row) => row[xKey] ?? Number.NaN),
            ys: smooth(
              r.rows.map((row) => row[key] ?? Number.NaN),
              w,
            ),
          }));
          if (members.length === 1) series.push({ name: groupLabel(members), color, ...curves[0]! });
          else {
            if (spread.checked)
              for (const [i, c] of curves.entries())
                series.push({ name: members[i]!.entry.name, color, thin: true, ...c });
            const a = aggregate(curves);
            series.push({
              name: `${groupLabel(members)}: mean ± std`,
              color,
              xs: a.xs,
              ys: a.mean,
              band: { lo: a.lo, hi: a.hi },
            });
          }
          if ((RETURN_KEYS as readonly string[]).includes(key)) {
            const evals = members.flatMap((r) => (r.entry.evaluation ? [r.entry.evaluation.mean] : []));
            if (evals.length > 0)
              refs.push({
                name: `final evaluation${groups.size > 1 ? ` (${groupLabel(members)})` : ''}${evals.length > 1 ? `, mean of ${evals.length}` : ''}`,
                color,
                y: evals.reduce((a, b) => a + b, 0) / evals.length,
              });
          }
        }
        if ((RETURN_KEYS as readonly string[]).includes(key)) {
          const score = scoreReferences([...runs.values()][0]!.rows);
          if (score) refs.push({ name: 'expert (demos)', color: '#555', y: score.expert });
        }
        return lineChart({ title: key, xLabel, series, references: refs, key, width: 520, height: 230 });
      });
    $('charts').innerHTML = charts.join('');
    for (const [id, r] of runs) {
      probe.rows[id] = r.rows.length;
      const cell = document.querySelector(`td[data-run="${id}"]`);
      if (cell) cell.textContent = String(r.rows.length);
    }
  };
  let pending = false;
  const schedule = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      updatePicker();
      draw();
    });
  };
  xSelect.onchange = schedule;
  smoothing.oninput = () => {
    $('smoothing-value').textContent = Number(smoothing.value).toFixed(2);
    schedule();
  };
  spread.onchange = schedule;
  runTable();

  const events = new EventSource('/api/events');
  events.addEventListener('rows', (ev) => {
    const msg = JSON.parse((ev as MessageEvent<string>).data) as {
      run: string;
      rows: Record<string, number | null>[];
    };
    const r = runs.get(msg.run);
    if (!r) return;
    for (const row of msg.rows)
      r.rows.push(
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? Number.NaN : Number(v)])),
      );
    schedule();
  });
  events.addEventListener('evaluation', (ev) => {
    const msg = JSON.parse((ev as MessageEvent<string>).data) as {
      run: string;
      evaluation: RunEntry['evaluation'];
    };
    const r = runs.get(msg.run);
    if (!r) return;
    runs.set(msg.run, { entry: { ...r.entry, evaluation: msg.evaluation }, rows: r.rows });
    for (const members of groups.values())
      members.forEach((m, i) => {
        if (m.entry.id === msg.run) members[i] = runs.get(msg.run)!;
      });
    runTable();
    schedule();
  });
}

function fail(err: unknown): void {
  const text = err instanceof Error ? err.message : String(err);
  probe.error = text;
  $('error').textContent = text;
  $('error').hidden = false;
}

async function main(): Promise<void> {
  const session = await getJson<ViewSession>('/api/session');
  document.title = `${session.title} — gail-bridge view`;
  $('title').textContent = session.title;
  startCurves(session);
  await startViewer(session);
  probe.ready = true;
}

main().catch(fail);
