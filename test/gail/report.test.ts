import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plannedRounds, resolveGailConfig } from '../../src/gail/config.js';
import { escapeHtml, renderReport } from '../../src/gail/report.js';
import type { IterationMetrics } from '../../src/gail/trainer.js';

function row(i: number, ret: number): IterationMetrics {
  return {
    iteration: i,
    envSteps: 1000 * (i + 1),
    wallSeconds: i,
    stepsPerSecond: 1000,
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
    nonFiniteRounds: 0,
    discSkipped: 0,
  };
}

describe('report.html', () => {
  it('is one self-contained page: inline SVG curves, no scripts or remote resources, text escaped', () => {
    const html = renderReport([row(0, 10), row(1, Number.NaN), row(2, 900)], {
      title: 'GAIL <run>',
      config: { demos: 'a&b.mcap' },
      status: 'finished',
    });
    assert.ok(html.startsWith('<!doctype html>'));
    assert.equal((html.match(/<svg /g) ?? []).length, 7);
    assert.ok(!/<script|<link|src=/.test(html));
    // The only URLs are SVG namespace declarations.
    assert.deepEqual([...new Set(html.match(/https?:\/\/[^"]+/g))], ['http://www.w3.org/2000/svg']);
    assert.ok(html.includes('GAIL &#60;run&#62;') && html.includes('a&#38;b.mcap'));
    // A NaN return is a gap, not a point: the return curve has two points.
    const returnChart = html.split('<figure>')[1]!;
    assert.equal((returnChart.match(/points="([^"]*)"/)?.[1] ?? '').split(' ').length, 2);
  });

  it('plots the absorbing state: its share of each side and D on it, one point per round', () => {
    const html = renderReport([row(0, 10), row(1, 20), row(2, 30)], { title: 't', config: {}, status: 's' });
    const chart = html.split('<figure>').find((f) => f.includes('Absorbing state'));
    assert.ok(chart, 'an absorbing-state chart');
    for (const name of ['share expert', 'share policy', 'D(s_abs)']) assert.ok(chart.includes(name), name);
    const lines = [...chart.matchAll(/points="([^"]*)"/g)].map((m) => m[1]!.split(' '));
    assert.equal(lines.length, 3);
    for (const pts of lines) assert.equal(pts.length, 3);
    // The policy's share rises 0 → 0.2 on a [0, 1] axis: its last point sits above its first.
    const y = (p: string) => Number(p.split(',')[1]);
    assert.ok(y(lines[1]![2]!) < y(lines[1]![0]!));
  });

  it('renders an empty run', () => {
    assert.match(renderReport([], { title: 't', config: {}, status: 's' }), /No rounds yet/);
    assert.equal(escapeHtml(`"'`), '&#34;&#39;');
  });
});

describe('GailConfig', () => {
  const base = { demos: 'd.mcap', out: 'runs/x', steps: 10_000 };
  it('fills defaults without touching the input and derives the rounds', () => {
    const input = { ...base, task: 'inverted-pendulum' };
    const c = resolveGailConfig(input);
    assert.equal(c.discStepsPerRound, 16);
    assert.equal(c.absorbing, true);
    assert.deepEqual(c.discHidden, [100, 100]);
    assert.deepEqual(Object.keys(input), ['demos', 'out', 'steps', 'task']);
    assert.equal(plannedRounds(c), Math.ceil(10_000 / 2048));
  });

  it('names the bad option and what it accepts', () => {
    assert.throws(() => resolveGailConfig(base), /--task or --model: give exactly one/);
    assert.throws(
      () => resolveGailConfig({ ...base, task: 't', subsample: 0 }),
      /--subsample: expected a positive integer, got 0/,
    );
    assert.throws(
      () => resolveGailConfig({ ...base, task: 't', labelSmoothing: 0.9 }),
      /--label-smoothing: expected a number in \[0, 0.5\], got 0.9/,
    );
    assert.throws(
      () => resolveGailConfig({ ...base, task: 't', gamma: 1 }),
      /--gamma: expected a number in \[0, 1\)/,
    );
  });
});
