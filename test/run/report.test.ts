import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gailReportLayout } from '../../src/gail/report.js';
import type { IterationMetrics } from '../../src/gail/trainer.js';
import { metricsRow } from '../../src/run/algorithm.js';
import { formatTick, niceAxis } from '../../src/run/chart.js';
import { scoreReferences } from '../../src/run/curves.js';
import { escapeHtml, renderReport, runMetadata } from '../../src/run/report.js';

function row(i: number, ret: number): Record<string, number> {
  const m: IterationMetrics = {
    iteration: i,
    envSteps: 1000 * (i + 1),
    wallSeconds: i,
    stepsPerSecond: 1000,
    collectSeconds: 0.5,
    discSeconds: 0.2,
    policySeconds: 0.3,
    discLoss: 0.6,
    discAccExpert: 0.9,
    discAccPolicy: 0.8,
    discMeanDExpert: 0.7,
    discMeanDPolicy: 0.3,
    gradPenalty: 0,
    rewardMean: 0.5,
    absorbingReward: 0.01,
    discAbsorbing: 0.2,
    absorbingShareExpert: 0.25,
    absorbingSharePolicy: 0.1 * i,
    episodeLengthMean: 100 + i,
    policyEntropy: 1.4,
    episodes: 3,
    returnMean: ret,
    normalizedScore: ret / 1000,
    divergedEpisodes: 0,
    interruptedEpisodes: 0,
    nonFiniteRounds: 0,
    discSkipped: 0,
  };
  return { round: i + 1, ...metricsRow(m) };
}

describe('report.html', () => {
  it('is one self-contained page: inline SVG curves, no scripts or remote resources, text escaped', () => {
    const html = renderReport([row(0, 10), row(1, Number.NaN), row(2, 900)], gailReportLayout('GAIL <run>'), {
      config: { settings: { demos: 'a&b.mcap' } },
      status: 'finished',
    });
    assert.ok(html.startsWith('<!doctype html>'));
    // The layout's eight charts, then one small chart per other metric with a value.
    const layoutKeys = [...html.matchAll(/<figure data-key="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(layoutKeys.slice(0, 8), [
      'returnMean',
      'normalizedScore',
      'discAccExpert',
      'discMeanDExpert',
      'discLoss',
      'rewardMean',
      'absorbingShareExpert',
      'episodeLengthMean',
    ]);
    assert.ok(layoutKeys.includes('policyEntropy') && layoutKeys.includes('stepsPerSecond'));
    assert.equal((html.match(/<svg /g) ?? []).length, layoutKeys.length);
    assert.ok(!/<script|<link|src=/.test(html));
    // The only URLs are SVG namespace declarations.
    assert.deepEqual([...new Set(html.match(/https?:\/\/[^"]+/g))], ['http://www.w3.org/2000/svg']);
    assert.ok(html.includes('GAIL &#60;run&#62;') && html.includes('a&#38;b.mcap'));
    // A NaN return is a gap, not a point: the return curve is two stretches of one point each.
    const returnChart = html.split('<figure')[1]!;
    const stretches = [...returnChart.matchAll(/class="curve"[^>]*points="([^"]*)"/g)].map((m) => m[1]!);
    assert.deepEqual(
      stretches.map((p) => p.split(' ').length),
      [1, 1],
    );
  });

  it('plots the absorbing state: its share of each side and D on it, one point per round', () => {
    const html = renderReport([row(0, 10), row(1, 20), row(2, 30)], gailReportLayout('t'), {
      config: {},
      status: 's',
    });
    const chart = html.split('<figure').find((f) => f.includes('data-key="absorbingShareExpert"'));
    assert.ok(chart, 'an absorbing-state chart');
    for (const name of ['share expert', 'share policy', 'D(s_abs)']) assert.ok(chart.includes(name), name);
    const lines = [...chart.matchAll(/points="([^"]*)"/g)].map((m) => m[1]!.split(' '));
    assert.equal(lines.length, 3);
    for (const pts of lines) assert.equal(pts.length, 3);
  });
  it('sums up the whole run: rounds, env steps and the wall-clock of its last row', () => {
    const html = renderReport([row(0, 10), { ...row(1, 20), wallSeconds: 75.5 }], gailReportLayout('t'), {
      config: {},
      status: 'stopped by SIGTERM after round 2',
    });
    assert.match(html, /<p id="status">stopped by SIGTERM after round 2<\/p>/);
    assert.match(html, /2 rounds, 2000 env steps, 75\.5 s of training\. Last round: return 20/);
  });

  it('renders an empty run', () => {
    assert.match(renderReport([], gailReportLayout('t'), { config: {}, status: 's' }), /No rounds yet/);
    assert.equal(escapeHtml(`"'`), '&#34;&#39;');
  });

  it('puts the final evaluation and the expert return implied by the scores on the return chart only', () => {
    // normalizedScore = (R − 10) / (1010 − 10): the expert's return is 1010.
    const rows = [row(0, 110), row(1, 510), row(2, 910)].map((r) => ({
      ...r,
      normalizedScore: ((r['returnMean'] ?? 0) - 10) / 1000,
    }));
    const ref = scoreReferences(rows)!;
    assert.ok(Math.abs(ref.expert - 1010) < 1e-9 && Math.abs(ref.random - 10) < 1e-9);
    const html = renderReport(rows, gailReportLayout('t'), {
      config: {},
      status: 'finished',
      evaluation: { mean: 987.5, std: 3, envSteps: 3000, round: 3, date: '2026-01-01T00:00:00Z' },
    });
    assert.match(
      html,
      /Final evaluation of policy\.policy \(deterministic, true reward\): return 987\.5 ± 3\./,
    );
    const figures = html.split('<figure').slice(1);
    assert.match(figures[0]!, /class="reference" data-name="final evaluation"/);
    assert.match(figures[0]!, /class="reference" data-name="expert \(demos\)"/);
    assert.match(figures[0]!, /final evaluation 987\.5/);
    assert.ok(figures.slice(1).every((f) => !f.includes('class="reference"')));
    // The legend is HTML under the plot, not text inside it.
    assert.ok(
      !/<text[^>]*>return<\/text>/.test(figures[0]!) && /class="legend"[\s\S]*return/.test(figures[0]!),
    );
  });

  it('heads the page with the run metadata: date, version, backend, command', () => {
    const config = {
      format: 'gail-bridge run',
      version: 1,
      command: 'train',
      algo: 'gail',
      created: '2026-03-04T05:06:07.000Z',
      settings: { backend: 'auto' },
      producer: 'gail-bridge 0.1.0',
      commandLine: 'gail-bridge train --algo gail --task hopper',
      backend: 'wasm',
    };
    const html = renderReport([row(0, 1)], gailReportLayout('t'), { config, status: 'finished' });
    assert.match(html, /<th>started<\/th><td>2026-03-04T05:06:07\.000Z<\/td>/);
    assert.match(html, /<th>version<\/th><td>gail-bridge 0\.1\.0<\/td>/);
    assert.match(html, /<th>backend<\/th><td>wasm<\/td>/);
    assert.match(html, /<th>command<\/th><td><code>gail-bridge train --algo gail --task hopper<\/code>/);
    // A run made before these were kept says so, and names the requested backend.
    assert.deepEqual(runMetadata({ command: 'expert', settings: { backend: 'auto' } }), {
      date: 'not recorded',
      version: 'not recorded',
      backend: 'auto (requested)',
      command: 'gail-bridge expert',
    });
  });
});

describe('chart axes', () => {
  it('ticks at nice numbers (1, 2 or 5 × 10^k) covering the data, first and last on the frame', () => {
    const cases: [number, number, number[]][] = [
      [0, 50_000, [0, 10_000, 20_000, 30_000, 40_000, 50_000]],
      [0.13, 0.97, [0, 0.2, 0.4, 0.6, 0.8, 1]],
      [2048, 49_152, [0, 10_000, 20_000, 30_000, 40_000, 50_000]],
      [-37.2, 1012.4, [-500, 0, 500, 1000, 1500]],
      [0.4931, 0.4932, [0.4931, 0.49315, 0.4932]],
      [5, 5, [4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6]],
    ];
    for (const [lo, hi, want] of cases) {
      const axis = niceAxis(lo, hi, 5);
      assert.deepEqual(axis.ticks, want, `ticks of [${lo}, ${hi}]`);
      assert.ok(axis.lo <= lo && axis.hi >= hi, `[${axis.lo}, ${axis.hi}] covers [${lo}, ${hi}]`);
    }
  });

  it('labels ticks with the decimals the step needs, and k/M for large ones', () => {
    assert.deepEqual(
      [0, 250_000, 500_000, 1_000_000, 1_500_000].map((v) => formatTick(v, 250_000)),
      ['0', '250k', '500k', '1M', '1.5M'],
    );
    assert.deepEqual(
      [0, 1_000_000, 2_000_000].map((v) => formatTick(v, 1_000_000)),
      ['0', '1M', '2M'],
    );
    assert.deepEqual(
      [0.2, 0.4, 1].map((v) => formatTick(v, 0.2)),
      ['0.2', '0.4', '1.0'],
    );
    assert.equal(formatTick(-500, 500), '-500');
  });

  it('draws the ticks of both axes in the SVG of every report chart', () => {
    const html = renderReport([row(0, 10), row(1, 500), row(2, 900)], gailReportLayout('t'), {
      config: {},
      status: 's',
    });
    const first = html.split('<figure')[1]!;
    const yTicks = [...first.matchAll(/class="tick y"[^>]*>([^<]*)</g)].map((m) => m[1]);
    const xTicks = [...first.matchAll(/class="tick x"[^>]*>([^<]*)</g)].map((m) => m[1]);
    assert.deepEqual(yTicks, ['0', '200', '400', '600', '800', '1000']);
    assert.deepEqual(xTicks, ['1000', '1500', '2000', '2500', '3000']);
  });
});
