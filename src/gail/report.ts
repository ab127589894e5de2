/**
 * How report.html (src/run/report.ts) draws a GAIL run: true return, normalised score, discriminator
 * accuracy and mean D on expert and policy data, D loss, and the learned reward, by env steps: one
 * quantity per chart (a loss and a reward do not share an axis). Keys are IterationMetrics fields
 * (trainer.ts); report.html adds every other metric of the rows in small charts of their own.
 */
import type { ReportLayout } from '../run/algorithm.js';
import type { IterationMetrics } from './trainer.js';

type Key = keyof IterationMetrics & string;
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
      {
        title: 'Discriminator accuracy',
        series: [
          series('discAccExpert', 'on expert', '#d62728'),
          series('discAccPolicy', 'on policy', '#9467bd'),
        ],
        yRange: [0, 1],
      },
      {
        title: 'Mean D = σ(logit) (expert is 1)',
        series: [
          series('discMeanDExpert', 'expert', '#d62728'),
          series('discMeanDPolicy', 'policy', '#9467bd'),
        ],
        yRange: [0, 1],
      },
      { title: 'Discriminator loss', series: [series('discLoss', 'D loss', '#8c564b')] },
      {
        title: 'Learned reward (mean over the round’s steps)',
        series: [series('rewardMean', 'mean reward', '#ff7f0e')],
      },
    ],
    summary: [
      { key: 'returnMean', name: 'return' },
      { key: 'normalizedScore', name: 'normalised score' },
      { key: 'discAccExpert', name: 'D accuracy expert' },
      { key: 'discAccPolicy', name: 'policy' },
    ],
  };
}
