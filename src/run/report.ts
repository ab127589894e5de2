/**
 * report.html of a run folder: one self-contained page (inline SVG drawn here, no scripts, no CDN) with
 * the run's status, the learning curves of metrics.jsonl as the algorithm lays them out, and the resolved
 * config. Opens offline in any browser; rewritten at every checkpoint and when the run ends.
 */
import type { ReportLayout } from './algorithm.js';

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

/** A number for people: 4 significant digits, exponents for the very large and small, – for none. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return x.toExponential(2);
  return Number(x.toPrecision(4)).toString();
}

/** An SVG line chart of `series` against `xs`. Points with NaN are skipped. */
export function lineChart(
  title: string,
  xLabel: string,
  xs: readonly number[],
  series: readonly Series[],
  yRange?: readonly [number, number],
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
      `<text x="${PAD.left - 4}" y="${sy(y) + 4}" text-anchor="end" font-size="10">${formatNumber(y)}</text>`,
    );
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${sy(y)}" y2="${sy(y)}" stroke="#eee"/>`);
  }
  parts.push(`<text x="${PAD.left}" y="${H - 18}" font-size="10">${formatNumber(x0)}</text>`);
  parts.push(
    `<text x="${W - PAD.right}" y="${H - 18}" text-anchor="end" font-size="10">${formatNumber(x1)}</text>`,
  );
  parts.push(
    `<text x="${(W + PAD.left) / 2}" y="${H - 4}" text-anchor="middle" font-size="11">${escapeHtml(xLabel)}</text>`,
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
  /** How the run ended or is going ("running: round 3 of about 25", "stopped by SIGINT …"). */
  readonly status: string;
  /** config.json as written (shown as JSON). */
  readonly config: unknown;
}

/**
 * The whole page for `rows` (metrics.jsonl in order: every row has round, envSteps and wallSeconds, the
 * clock summed over every segment of a resumed run).
 */
export function renderReport(
  rows: readonly Readonly<Record<string, number>>[],
  layout: ReportLayout,
  meta: ReportMeta,
): string {
  const xs = rows.map((r) => r[layout.x.key] ?? Number.NaN);
  const col = (k: string) => rows.map((r) => r[k] ?? Number.NaN);
  const last = rows[rows.length - 1];
  const summary = last
    ? `<p>${rows.length} rounds, ${last['envSteps'] ?? 0} env steps, ${formatNumber(last['wallSeconds'] ?? Number.NaN)} s of training.${
        layout.summary.length > 0
          ? ` Last round: ${layout.summary.map((s) => `${escapeHtml(s.name)} ${formatNumber(last[s.key] ?? Number.NaN)}`).join(', ')}.`
          : ''
      }</p>`
    : '<p>No rounds yet.</p>';
  const charts = layout.charts.map((c) =>
    lineChart(
      c.title,
      layout.x.label,
      xs,
      c.series.map((s) => ({ name: s.name, color: s.color, values: col(s.key) })),
      c.yRange,
    ),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(layout.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5em;max-width:1200px}figure{display:inline-block;margin:0 1em 1em 0}figcaption{font-size:13px;font-weight:600}pre{background:#f6f6f6;padding:.8em;overflow:auto;font-size:12px}</style>
</head><body>
<h1>${escapeHtml(layout.title)}</h1>
<p id="status">${escapeHtml(meta.status)}</p>
${summary}
${charts.join('\n')}
<h2>Config</h2>
<pre>${escapeHtml(JSON.stringify(meta.config, null, 2))}</pre>
</body></html>
`;
}
