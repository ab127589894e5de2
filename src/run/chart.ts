/**
 * Line charts as SVG text, shared by report.html (src/run/report.ts, written in Node) and the view page
 * (src/view/client, rebuilt in the browser on every new metrics row): one implementation of axes, ticks,
 * legends, spread bands and reference lines. Pure string building; no DOM, no Node.
 *
 * Ticks are "nice numbers" (Heckbert, "Nice numbers for graph labels", Graphics Gems 1990): the step is
 * 1, 2 or 5 × 10^k, and the axis is widened to whole steps so the first and last ticks sit on the frame.
 * The legend is HTML under the plot, never over the curves. One chart is one quantity on one y axis.
 */

/** One curve: its own x values (runs overlaid need not share them), y per x (NaN: a gap). */
export interface ChartSeries {
  readonly name: string;
  readonly color: string;
  readonly xs: readonly number[];
  readonly ys: readonly number[];
  /** A shaded band per x (mean ± spread of several runs); NaN: none there. */
  readonly band?: { readonly lo: readonly number[]; readonly hi: readonly number[] };
  /** A thin line (single seeds drawn under their mean). */
  readonly thin?: boolean;
}

/** A horizontal reference line across the plot (final evaluation, the expert's return). */
export interface ReferenceLine {
  readonly name: string;
  readonly color: string;
  readonly y: number;
}

/** What one chart shows. */
export interface ChartInput {
  readonly title: string;
  readonly xLabel: string;
  readonly series: readonly ChartSeries[];
  readonly references?: readonly ReferenceLine[];
  /** Fixed y range (accuracies, probabilities); absent: fitted to the data and references. */
  readonly yRange?: readonly [number, number];
  /** Pixel size of the SVG; default 560 × 240. */
  readonly width?: number;
  readonly height?: number;
  /** data-key attribute of the figure (the view finds its charts by metric). */
  readonly key?: string;
}

/** An axis: its (widened) extent, its ticks and their step. */
export interface Axis {
  readonly lo: number;
  readonly hi: number;
  readonly step: number;
  readonly ticks: readonly number[];
}

/** HTML-escapes text for element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A number for people: 4 significant digits, exponents for the very large and small, – for none. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return x.toExponential(2);
  return Number(x.toPrecision(4)).toString();
}

/** Heckbert's nice number near `x`: 1, 2, 5 or 10 × 10^k, rounded (ticks' step) or taken above (range). */
function niceNumber(x: number, round: boolean): number {
  const exp = Math.floor(Math.log10(x));
  const f = x / 10 ** exp;
  const nice = round ? (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) : f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * 10 ** exp;
}

/**
 * Nice ticks for data in [lo, hi], about `count` of them: the step is 1, 2 or 5 × 10^k and the axis is
 * widened to [floor(lo/step)·step, ceil(hi/step)·step]. An empty or single-valued range gets a unit-wide
 * axis around it.
 */
export function niceAxis(lo: number, hi: number, count = 5): Axis {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0;
    hi = 1;
  }
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(lo))) {
    const half = lo === 0 ? 0.5 : Math.abs(lo) * 0.1;
    lo -= half;
    hi += half;
  }
  const range = niceNumber(hi - lo, false);
  const step = niceNumber(range / Math.max(1, count - 1), true);
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  // Multiples of the step, rounded to its decimals so 0.30000000000000004 prints as 0.3.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toFixed(Math.min(20, decimals))));
  return { lo: Math.min(lo, ticks[0]!), hi: Math.max(hi, ticks[ticks.length - 1]!), step, ticks };
}

/** A tick label: as few decimals as the step needs; k and M for large numbers (250k, 1.5M). */
export function formatTick(v: number, step: number): string {
  const a = Math.abs(v);
  if (v === 0) return '0';
  if (a >= 1e6 && step >= 1e5) return `${trimZeros((v / 1e6).toFixed(Math.max(0, decimalsOf(step / 1e6))))}M`;
  if (a >= 1e4 && step >= 1e3) return `${trimZeros((v / 1e3).toFixed(Math.max(0, decimalsOf(step / 1e3))))}k`;
  if (a < 1e-3 || a >= 1e9) return v.toExponential(1);
  return v.toFixed(decimalsOf(step));
}

function decimalsOf(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

const PAD = { left: 58, right: 14, top: 10, bottom: 38 };

/** The chart as a `<figure>`: caption, SVG plot with ticks and references, legend beneath. */
export function lineChart(input: ChartInput): string {
  const W = input.width ?? 560;
  const H = input.height ?? 240;
  const refs = (input.references ?? []).filter((r) => Number.isFinite(r.y));
  const finiteOf = (xs: readonly number[]) => xs.filter((v) => Number.isFinite(v));
  const ys = input.series.flatMap((s) => [
    ...finiteOf(s.ys),
    ...(s.band ? [...finiteOf(s.band.lo), ...finiteOf(s.band.hi)] : []),
  ]);
  const allX = input.series.flatMap((s) => finiteOf(s.xs));
  const yData = ys.length > 0 ? [Math.min(...ys), Math.max(...ys)] : [Number.NaN, Number.NaN];
  const yLo = input.yRange ? input.yRange[0] : Math.min(yData[0]!, ...refs.map((r) => r.y));
  const yHi = input.yRange ? input.yRange[1] : Math.max(yData[1]!, ...refs.map((r) => r.y));
  const yAxis = niceAxis(yLo, yHi, 5);
  const xAxis = niceAxis(allX.length > 0 ? Math.min(...allX) : 0, allX.length > 0 ? Math.max(...allX) : 1, 6);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const sx = (x: number) => PAD.left + ((x - xAxis.lo) / (xAxis.hi - xAxis.lo)) * plotW;
  const sy = (y: number) => PAD.top + (1 - (y - yAxis.lo) / (yAxis.hi - yAxis.lo)) * plotH;
  const f = (v: number) => v.toFixed(1);
  const parts: string[] = [];
  for (const t of yAxis.ticks) {
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#eee"/>`,
    );
    parts.push(
      `<text class="tick y" x="${PAD.left - 5}" y="${f(sy(t) + 3.5)}" text-anchor="end" font-size="10">${formatTick(t, yAxis.step)}</text>`,
    );
  }
  for (const t of xAxis.ticks) {
    parts.push(
      `<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#f3f3f3"/>`,
    );
    parts.push(
      `<text class="tick x" x="${f(sx(t))}" y="${H - PAD.bottom + 13}" text-anchor="middle" font-size="10">${formatTick(t, xAxis.step)}</text>`,
    );
  }
  parts.push(
    `<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#bbb"/>`,
  );
  parts.push(
    `<text x="${PAD.left + plotW / 2}" y="${H - 6}" text-anchor="middle" font-size="11">${escapeHtml(input.xLabel)}</text>`,
  );
  for (const s of input.series) {
    if (!s.band) continue;
    const upper: string[] = [];
    const lower: string[] = [];
    s.xs.forEach((x, i) => {
      const lo = s.band!.lo[i]!;
      const hi = s.band!.hi[i]!;
      if (!Number.isFinite(x) || !Number.isFinite(lo) || !Number.isFinite(hi)) return;
      upper.push(`${f(sx(x))},${f(sy(hi))}`);
      lower.unshift(`${f(sx(x))},${f(sy(lo))}`);
    });
    if (upper.length > 1)
      parts.push(
        `<polygon class="band" fill="${s.color}" fill-opacity="0.15" stroke="none" points="${[...upper, ...lower].join(' ')}"/>`,
      );
  }
  for (const s of input.series) {
    // A NaN splits the curve: one polyline per finite stretch.
    let run: string[] = [];
    const flush = () => {
      if (run.length > 0)
        parts.push(
          `<polyline class="curve" data-series="${escapeHtml(s.name)}" fill="none" stroke="${s.color}" stroke-width="${s.thin ? 0.8 : 1.6}"${s.thin ? ' stroke-opacity="0.5"' : ''} points="${run.join(' ')}"/>`,
        );
      run = [];
    };
    s.xs.forEach((x, i) => {
      const y = s.ys[i]!;
      if (Number.isFinite(x) && Number.isFinite(y)) run.push(`${f(sx(x))},${f(sy(y))}`);
      else flush();
    });
    flush();
  }
  for (const r of refs)
    parts.push(
      `<line class="reference" data-name="${escapeHtml(r.name)}" x1="${PAD.left}" x2="${W - PAD.right}" y1="${f(sy(r.y))}" y2="${f(sy(r.y))}" stroke="${r.color}" stroke-dasharray="5 4" stroke-width="1.2"/>`,
    );
  const legend = [
    ...input.series
      .filter((s) => !s.thin)
      .map(
        (s) =>
          `<span style="margin-right:1em;white-space:nowrap"><span style="display:inline-block;width:14px;height:3px;vertical-align:middle;background:${s.color}"></span> ${escapeHtml(s.name)}</span>`,
      ),
    ...refs.map(
      (r) =>
        `<span style="margin-right:1em;white-space:nowrap"><span style="display:inline-block;width:14px;border-top:2px dashed ${r.color};vertical-align:middle"></span> ${escapeHtml(r.name)} ${formatNumber(r.y)}</span>`,
    ),
  ];
  return (
    `<figure${input.key === undefined ? '' : ` data-key="${escapeHtml(input.key)}"`}><figcaption>${escapeHtml(input.title)}</figcaption>` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(input.title)}">${parts.join('')}</svg>` +
    `<div class="legend" style="font-size:11px;max-width:${W}px">${legend.join('')}</div></figure>`
  );
}
