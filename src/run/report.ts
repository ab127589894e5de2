/**
 * report.html of a run folder: one self-contained page (inline SVG drawn by chart.ts, no scripts, no
 * CDN) with the run's status and metadata, the learning curves of metrics.jsonl as the algorithm lays
 * them out, every other metric the rows hold, and the resolved config. Opens offline in any browser;
 * rewritten at every checkpoint, when the run ends and once more after the final evaluation.
 *
 * One chart is one quantity on one axis. The final evaluation (evaluation.json) and the expert's return
 * (implied by a GAIL run's normalised scores, curves.ts) are dashed reference lines on the return chart.
 */
import type { ChartSpec, ReportLayout } from './algorithm.js';
import { escapeHtml, formatNumber, lineChart, type ReferenceLine } from './chart.js';
import { metricKeys, RETURN_KEYS, type Row, scoreReferences } from './curves.js';
import type { FinalEvaluation } from './evaluation.js';

export { escapeHtml, formatNumber } from './chart.js';

/** What the page shows besides the curves. */
export interface ReportMeta {
  /** How the run ended or is going ("running: round 3 of about 25", "stopped by SIGINT …"). */
  readonly status: string;
  /** config.json as written (shown as JSON; its date, producer, backend and command line head the page). */
  readonly config: unknown;
  /** evaluation.json, once the command has evaluated the finished run. */
  readonly evaluation?: FinalEvaluation | undefined;
}

/** Run metadata for people: when, by which version, on which backend, by which command. */
export interface RunMetadata {
  readonly date: string;
  readonly version: string;
  readonly backend: string;
  readonly command: string;
}

/** The metadata config.json holds (runs made before some fields were kept show "not recorded"). */
export function runMetadata(config: unknown): RunMetadata {
  const c = (typeof config === 'object' && config !== null ? config : {}) as Record<string, unknown>;
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const settings = (
    typeof c['settings'] === 'object' && c['settings'] !== null ? c['settings'] : {}
  ) as Record<string, unknown>;
  return {
    date: text(c['created']) ?? 'not recorded',
    version: text(c['producer']) ?? 'not recorded',
    backend:
      text(c['backend']) ??
      (text(settings['backend']) ? `${settings['backend']} (requested)` : 'not recorded'),
    command: text(c['commandLine']) ?? (text(c['command']) ? `gail-bridge ${c['command']}` : 'not recorded'),
  };
}

/** The reference lines of a return chart: the final evaluation and the expert's return. */
export function returnReferences(
  rows: readonly Row[],
  evaluation: FinalEvaluation | undefined,
): ReferenceLine[] {
  const refs: ReferenceLine[] = [];
  if (evaluation && Number.isFinite(evaluation.mean))
    refs.push({ name: 'final evaluation', color: '#2ca02c', y: evaluation.mean });
  const score = scoreReferences(rows);
  if (score) refs.push({ name: 'expert (demos)', color: '#555', y: score.expert });
  return refs;
}

/** Whether a chart's quantity is the task's return (it gets the reference lines). */
export function isReturnChart(chart: ChartSpec): boolean {
  return chart.series.some((s) => (RETURN_KEYS as readonly string[]).includes(s.key));
}

const OTHER_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#8c564b', '#ff7f0e', '#17becf'];

/**
 * The whole page for `rows` (metrics.jsonl in order: every row has round, envSteps and wallSeconds, the
 * clock summed over every segment of a resumed run).
 */
export function renderReport(rows: readonly Row[], layout: ReportLayout, meta: ReportMeta): string {
  const xs = rows.map((r) => r[layout.x.key] ?? Number.NaN);
  const col = (k: string) => rows.map((r) => r[k] ?? Number.NaN);
  const last = rows[rows.length - 1];
  const ev = meta.evaluation;
  const summary = last
    ? `<p>${rows.length} rounds, ${last['envSteps'] ?? 0} env steps, ${formatNumber(last['wallSeconds'] ?? Number.NaN)} s of training.${
        layout.summary.length > 0
          ? ` Last round: ${layout.summary.map((s) => `${escapeHtml(s.name)} ${formatNumber(last[s.key] ?? Number.NaN)}`).join(', ')}.`
          : ''
      }</p>`
    : '<p>No rounds yet.</p>';
  const evaluation = ev
    ? `<p id="evaluation">Final evaluation of policy.policy (deterministic, true reward): return ${formatNumber(ev.mean)} ± ${formatNumber(ev.std)}.</p>`
    : '';
  const refs = returnReferences(rows, ev);
  const charts = layout.charts.map((c) =>
    lineChart({
      title: c.title,
      xLabel: layout.x.label,
      series: c.series.map((s) => ({ name: s.name, color: s.color, xs, ys: col(s.key) })),
      ...(c.yRange ? { yRange: c.yRange } : {}),
      ...(isReturnChart(c) ? { references: refs } : {}),
      key: c.series[0]?.key,
    }),
  );
  const drawn = new Set(layout.charts.flatMap((c) => c.series.map((s) => s.key)));
  const others = metricKeys(rows)
    .filter((k) => !drawn.has(k) && k !== 'iteration' && col(k).some((v) => Number.isFinite(v)))
    .map((k, i) =>
      lineChart({
        title: k,
        xLabel: layout.x.label,
        series: [{ name: k, color: OTHER_COLORS[i % OTHER_COLORS.length]!, xs, ys: col(k) }],
        width: 370,
        height: 200,
        key: k,
      }),
    );
  const m = runMetadata(meta.config);
  const metaTable = `<table id="meta"><tr><th>started</th><td>${escapeHtml(m.date)}</td></tr><tr><th>version</th><td>${escapeHtml(m.version)}</td></tr><tr><th>backend</th><td>${escapeHtml(m.backend)}</td></tr><tr><th>command</th><td><code>${escapeHtml(m.command)}</code></td></tr></table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(layout.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5em;max-width:1200px}figure{display:inline-block;vertical-align:top;margin:0 1em 1em 0}figcaption{font-size:13px;font-weight:600}pre{background:#f6f6f6;padding:.8em;overflow:auto;font-size:12px}#meta{font-size:13px;border-collapse:collapse}#meta th{text-align:left;padding-right:1em;font-weight:600}</style>
</head><body>
<h1>${escapeHtml(layout.title)}</h1>
<p id="status">${escapeHtml(meta.status)}</p>
${metaTable}
${summary}
${evaluation}
${charts.join('\n')}
${others.length > 0 ? `<h2>Every other metric</h2>\n${others.join('\n')}` : ''}
<h2>Config</h2>
<pre>${escapeHtml(JSON.stringify(meta.config, null, 2))}</pre>
</body></html>
`;
}
