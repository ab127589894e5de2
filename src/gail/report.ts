/**
 * How report.html (src/run/report.ts) draws a GAIL run: true return, normalised score, discriminator
 * accuracy and mean D on expert and policy data, D loss, the learned reward, and the absorbing state (its
 * share of each side's pairs, D on it, episode length: a policy that learns to end its episodes shows here
 * first), by env steps: one
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
        title: 'Learned reward (mean over the round’s steps) and r(s_abs)',
        series: [
          series('rewardMean', 'mean reward', '#ff7f0e'),
          series('absorbingReward', 'r(s_abs)', '#17becf'),
        ],
      },
      {
        title: 'Absorbing state: share of the pairs on each side, and D(s_abs)',
        series: [
          series('absorbingShareExpert', 'share expert', '#d62728'),
          series('absorbingSharePolicy', 'share policy', '#9467bd'),
          series('discAbsorbing', 'D(s_abs)', '#17becf'),
        ],
        yRange: [0, 1],
      },
      {
        title: 'Episode length (mean over episodes ended in the round)',
        series: [series('episodeLengthMean', 'steps', '#7f7f7f')],
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
