/**
 * How report.html (src/run/report.ts) draws a GAIL run: true return, normalised score, discriminator
 * accuracy and mean D on expert and policy data, D loss, the learned reward, and the absorbing state (its
 * share of each side's pairs, D on it, episode length: a policy that learns to end its episodes shows here
 * first), by env steps: one
 * quantity per chart (a loss and a reward do not share an axis). Keys are IterationMetrics fields
 * (trainer.ts); report.html adds every other metric of the rows in small charts of their own.
 */
import * as shared from '../run/adversary-charts.js';
import type { ReportLayout } from '../run/algorithm.js';
import type { IterationMetrics } from './trainer.js';

type Key = keyof IterationMetrics & string;
// The shared charts draw these keys: a compile error here if this run's metrics lost one.
shared.ADVERSARY_CHART_KEYS satisfies readonly Key[];

const series = (key: Key, name: string, color: string) => ({ key, name, color });

/** The report layout of a GAIL run titled `title`. */
export function gailReportLayout(title: string): ReportLayout {
  return {
    title,
    x: { key: 'envSteps', label: 'env steps' },
    charts: [
      {
        title: 'True return (mean over episodes ended in the round)',
        series: [series('returnMean', 'return', '#1f77b4')],
      },
      {
        title: 'Normalised score (R − R_random) / (R_expert − R_random)',
        series: [series('normalizedScore', 'score', '#2ca02c')],
      },
      shared.discAccuracyChart('Discriminator accuracy', 'policy'),
      {
        title: 'Mean D = σ(logit) (expert is 1)',
        series: [
          series('discMeanDExpert', 'expert', '#d62728'),
          series('discMeanDPolicy', 'policy', '#9467bd'),
        ],
        yRange: [0, 1],
      },
      { title: 'Discriminator loss', series: [series('discLoss', 'D loss', '#8c564b')] },
      shared.learnedRewardChart('the round’s steps'),
      {
        title: 'Absorbing state: share of the pairs on each side, and D(s_abs)',
        series: [
          series('absorbingShareExpert', 'share expert', '#d62728'),
          series('absorbingSharePolicy', 'share policy', '#9467bd'),
          series('discAbsorbing', 'D(s_abs)', '#17becf'),
        ],
        yRange: [0, 1],
      },
      shared.episodeLengthChart('mean over episodes ended in the round'),
    ],
    summary: [
      { key: 'returnMean', name: 'return' },
      { key: 'normalizedScore', name: 'normalised score' },
      ...shared.discAccuracySummary('policy'),
    ],
  };
}
