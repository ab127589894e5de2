/** Hopper (Gymnasium Hopper-v5; specs/gymnasium-tasks.md). */
import type { TaskDefinition } from './definition.js';
import { planarWalker } from './planar-walker.js';

export const hopper: TaskDefinition = {
  name: 'hopper',
  title: 'Hopper',
  file: 'hopper.xml',
  frameSkip: 4,
  dt: 0.008,
  horizon: 1000,
  obsDim: 11,
  actDim: 3,
  summary: 'planar one-legged hopper; forward velocity + 1 while healthy − 1e-3·Σa²',
  build: (info) =>
    planarWalker(info, {
      zLow: 0.7,
      zHigh: Number.POSITIVE_INFINITY,
      angle: 0.2,
      stateRange: 100,
      ctrlCostWeight: 1e-3,
      healthyReward: 1,
      resetNoise: 5e-3,
    }),
};
