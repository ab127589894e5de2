/**
 * report.html for a GAIL run: a self-contained page (inline SVG drawn here, no scripts, no CDN) with the
 * learning curves of metrics.jsonl — true return, normalised score, discriminator accuracy and mean D on
 * expert and policy data, the absorbing state (its share of each side's pairs, D on it, episode length:
 * a policy that learns to end its episodes shows here first) — and the resolved config. Opens offline in
 * any browser.
 */
import type { IterationMetrics } from './trainer.js';

/** One curve: a name, a colour and a value per row (NaN = no point). */
interface Series {
  readonly name: string;
  readonly color: string;
  readonly values: readonly number[];
}

const W = 560;
const H = 240;
const PAD = { left: 56, right: 12, top: 12, bottom: 36 };

/** HTML-escapes text for element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return x.toExponential(2);
  return Number(x.toPrecision(4)).toString();
}

/** An SVG line chart of `series` against `xs` (env steps). Points with NaN are skipped. */
export function lineChart(
  title: string,
  xs: readonly number[],
  series: readonly Series[],
  yRange?: [number, number],
): string {
  const finite = series.flatMap((s) => s.values.filter((v) => Number.isFinite(v)));
  let lo = yRange ? yRange[0] : Math.min(...finite);
  let hi = yRange ? yRange[1] : Math.max(...finite);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0;
    hi = 1;
  }
  if (hi - lo < 1e-12) {
    lo -= 0.5;
    hi += 0.5;
  }
  const x0 = xs.length > 0 ? Math.min(...xs) : 0;
  const x1 = xs.length > 0 ? Math.max(...xs) : 1;
  const sx = (x: number) => PAD.left + ((x - x0) / Math.max(x1 - x0, 1e-12)) * (W - PAD.left - PAD.right);
  const sy = (y: number) => PAD.top + (1 - (y - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [];
  parts.push(
    `<rect x="${PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}" fill="none" stroke="#bbb"/>`,
  );
  for (let k = 0; k <= 4; k++) {
    const y = lo + ((hi - lo) * k) / 4;
    parts.push(
      `<text x="${PAD.left - 4}" y="${sy(y) + 4}" text-anchor="end" font-size="10">${fmt(y)}</text>`,
    );
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${sy(y)}" y2="${sy(y)}" stroke="#eee"/>`);
  }
  parts.push(`<text x="${PAD.left}" y="${H - 18}" font-size="10">${fmt(x0)}</text>`);
  parts.push(`<text x="${W - PAD.right}" y="${H - 18}" text-anchor="end" font-size="10">${fmt(x1)}</text>`);
  parts.push(
    `<text x="${(W + PAD.left) / 2}" y="${H - 4}" text-anchor="middle" font-size="11">env steps</text>`,
  );
  series.forEach((s, k) => {
    const pts: string[] = [];
    s.values.forEach((v, i) => {
      const x = xs[i];
      if (Number.isFinite(v) && x !== undefined) pts.push(`${sx(x).toFixed(1)},${sy(v).toFixed(1)}`);
    });
    if (pts.length > 0)
      parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
    parts.push(
      `<text x="${PAD.left + 8 + k * 150}" y="${PAD.top + 14}" font-size="11" fill="${s.color}">${escapeHtml(s.name)}</text>`,
    );
  });
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(title)}">${parts.join('')}</svg></figure>`;
}

/** What the page shows besides the curves. */
export interface ReportMeta {
  readonly title: string;
  /** The resolved config (shown as JSON). */
  readonly config: unknown;
  /** A line on how the run ended or is going. */
  readonly status: string;
}

/** The whole page for `rows` (metrics.jsonl in order). */
export function renderReport(rows: readonly IterationMetrics[], meta: ReportMeta): string {
  const xs = rows.map((r) => r.envSteps);
  const col = (k: keyof IterationMetrics & string) => rows.map((r) => Number(r[k]));
  const last = rows[rows.length - 1];
  const summary = last
    ? `<p>${rows.length} rounds, ${last.envSteps} env steps, ${fmt(last.wallSeconds)} s. Last round: return ${fmt(last.returnMean)}, normalised score ${fmt(last.normalizedScore)}, D accuracy expert ${fmt(last.discAccExpert)} / policy ${fmt(last.discAccPolicy)}.</p>`
    : '<p>No rounds yet.</p>';
  const charts = [
    lineChart('True return (mean over episodes ended in the round)', xs, [
      { name: 'return', color: '#1f77b4', values: col('returnMean') },
    ]),
    lineChart('Normalised score (R − R_random) / (R_expert − R_random)', xs, [
      { name: 'score', color: '#2ca02c', values: col('normalizedScore') },
    ]),
    lineChart(
      'Discriminator accuracy',
      xs,
      [
        { name: 'on expert', color: '#d62728', values: col('discAccExpert') },
        { name: 'on policy', color: '#9467bd', values: col('discAccPolicy') },
      ],
      [0, 1],
    ),
    lineChart(
      'Mean D = σ(logit) (expert is 1)',
      xs,
      [
        { name: 'expert', color: '#d62728', values: col('discMeanDExpert') },
        { name: 'policy', color: '#9467bd', values: col('discMeanDPolicy') },
      ],
      [0, 1],
    ),
    lineChart(
      'Absorbing state: share of the pairs on each side, and D(s_abs)',
      xs,
      [
        { name: 'share expert', color: '#d62728', values: col('absorbingShareExpert') },
        { name: 'share policy', color: '#9467bd', values: col('absorbingSharePolicy') },
        { name: 'D(s_abs)', color: '#17becf', values: col('discAbsorbing') },
      ],
      [0, 1],
    ),
    lineChart('Episode length (mean over episodes ended in the round)', xs, [
      { name: 'steps', color: '#7f7f7f', values: col('episodeLengthMean') },
    ]),
    lineChart('Discriminator loss and learned reward', xs, [
      { name: 'D loss', color: '#8c564b', values: col('discLoss') },
      { name: 'mean reward', color: '#ff7f0e', values: col('rewardMean') },
      { name: 'r(s_abs)', color: '#17becf', values: col('absorbingReward') },
    ]),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(meta.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5em;max-width:1200px}figure{display:inline-block;margin:0 1em 1em 0}figcaption{font-size:13px;font-weight:600}pre{background:#f6f6f6;padding:.8em;overflow:auto;font-size:12px}</style>
</head><body>
<h1>${escapeHtml(meta.title)}</h1>
<p>${escapeHtml(meta.status)}</p>
${summary}
${charts.join('\n')}
<h2>Config</h2>
<pre>${escapeHtml(JSON.stringify(meta.config, null, 2))}</pre>
</body></html>
`;
}
