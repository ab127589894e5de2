/** Walker2d (Gymnasium Walker2d-v5; specs/gymnasium-tasks.md). */
import type { TaskDefinition } from './definition.js';
import { planarWalker } from './planar-walker.js';

export const walker2d: TaskDefinition = {
  name: 'walker2d',
  title: 'Walker2d',
  file: 'walker2d.xml',
  frameSkip: 4,
  dt: 0.008,
  horizon: 1000,
  obsDim: 17,
  actDim: 6,
  summary: 'planar biped; forward velocity + 1 while healthy − 1e-3·Σa²',
  build: (info) =>
    planarWalker(info, {
      zLow: 0.8,
      zHigh: 2.0,
      angle: 1.0,
      ctrlCostWeight: 1e-3,
      healthyReward: 1,
      resetNoise: 5e-3,
    }),
};
