/**
 * Charts every adversarial run's report shares (GAIL and AIRL: src/gail/report.ts; DAC: src/dac/report.ts):
 * the discriminator's accuracy on each side, the learned reward with r(s_abs), and the episode length.
 * The metric keys are the same fields in both trainers' metrics; only what the "policy" side is (the
 * round's rollout, DAC's replay) and what the means run over differ, so those are arguments.
 * Each report file checks at compile time that its metrics record has every key (ADVERSARY_CHART_KEYS).
 */
import type { ChartSpec } from './algorithm.js';

/** The metric keys these charts draw: a report using them `satisfies` its metrics' keys with this. */
export const ADVERSARY_CHART_KEYS = [
  'discAccExpert',
  'discAccPolicy',
  'rewardMean',
  'absorbingReward',
  'episodeLengthMean',
] as const;

/** D's accuracy on the expert side and on the other side (`other`: "policy", "replay"). */
export function discAccuracyChart(title: string, other: string): ChartSpec {
  return {
    title,
    series: [
      { key: 'discAccExpert', name: 'on expert', color: '#d62728' },
      { key: 'discAccPolicy', name: `on ${other}`, color: '#9467bd' },
    ],
    yRange: [0, 1],
  };
}

/** The learned reward's mean (`over`: what it is the mean of) and the absorbing state's reward. */
export function learnedRewardChart(over: string): ChartSpec {
  return {
    title: `Learned reward (mean over ${over}) and r(s_abs)`,
    series: [
      { key: 'rewardMean', name: 'mean reward', color: '#ff7f0e' },
      { key: 'absorbingReward', name: 'r(s_abs)', color: '#17becf' },
    ],
  };
}

/** Mean episode length (`which`: which episodes). */
export function episodeLengthChart(which: string): ChartSpec {
  return {
    title: `Episode length (${which})`,
    series: [{ key: 'episodeLengthMean', name: 'steps', color: '#7f7f7f' }],
  };
}

/** The summary line's D accuracies (`other` as in discAccuracyChart). */
export function discAccuracySummary(other: string): { key: string; name: string }[] {
  return [
    { key: 'discAccExpert', name: 'D accuracy expert' },
    { key: 'discAccPolicy', name: other },
  ];
}
