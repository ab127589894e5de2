import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gailReportLayout } from '../../src/gail/report.js';
import type { IterationMetrics } from '../../src/gail/trainer.js';
import { metricsRow } from '../../src/run/algorithm.js';
import { escapeHtml, renderReport } from '../../src/run/report.js';

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
    assert.equal((html.match(/<svg /g) ?? []).length, 5);
    assert.ok(!/<script|<link|src=/.test(html));
    // The only URLs are SVG namespace declarations.
    assert.deepEqual([...new Set(html.match(/https?:\/\/[^"]+/g))], ['http://www.w3.org/2000/svg']);
    assert.ok(html.includes('GAIL &#60;run&#62;') && html.includes('a&#38;b.mcap'));
    // A NaN return is a gap, not a point: the return curve has two points.
    const returnChart = html.split('<figure>')[1]!;
    assert.equal((returnChart.match(/points="([^"]*)"/)?.[1] ?? '').split(' ').length, 2);
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
});
