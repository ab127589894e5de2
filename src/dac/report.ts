/**
 * How report.html (src/run/report.ts) draws a DAC run: the deterministic evaluation's return and score,
 * the training episodes' return, TD3's critic and actor, the discriminator, the learned reward and the
 * absorbing state, by env steps. Keys are DacMetrics fields (trainer.ts); report.html adds every other
 * metric of the rows in small charts of their own.
 */
import * as shared from '../run/adversary-charts.js';
import type { ReportLayout } from '../run/algorithm.js';
import type { DacMetrics } from './trainer.js';

type Key = keyof DacMetrics & string;
// The shared charts draw these keys: a compile error here if this run's metrics lost one.
shared.ADVERSARY_CHART_KEYS satisfies readonly Key[];

const series = (key: Key, name: string, color: string) => ({ key, name, color });

/** The report layout of a DAC run titled `title`. */
export function dacReportLayout(title: string): ReportLayout {
  return {
    title,
    x: { key: 'envSteps', label: 'env steps' },
    charts: [
      {
        title: 'True return: deterministic evaluation, and training episodes (with exploration noise)',
        series: [series('evalReturn', 'evaluation', '#1f77b4'), series('returnMean', 'training', '#aec7e8')],
      },
      {
        title: 'Normalised score of the evaluation (R − R_random) / (R_expert − R_random)',
        series: [series('normalizedScore', 'score', '#2ca02c')],
      },
      {
        title: 'TD3: mean Q(s, a) and target on the minibatches',
        series: [series('q', 'Q', '#1f77b4'), series('actorLoss', 'actor loss (−Q(s, π(s)))', '#ff7f0e')],
      },
      { title: 'TD3: critic loss', series: [series('criticLoss', 'critic loss', '#8c564b')] },
      shared.discAccuracyChart('Discriminator accuracy (replay vs expert)', 'replay'),
      shared.learnedRewardChart('the sampled transitions'),
      shared.episodeLengthChart('training episodes'),
      {
        title: 'Speed: env steps per second and ms per TD3 update',
        series: [
          series('stepsPerSecond', 'steps/s', '#1f77b4'),
          series('msPerUpdate', 'ms/update', '#d62728'),
        ],
      },
    ],
    summary: [
      { key: 'evalReturn', name: 'evaluation return' },
      { key: 'normalizedScore', name: 'normalised score' },
      ...shared.discAccuracySummary('replay'),
    ],
  };
}
