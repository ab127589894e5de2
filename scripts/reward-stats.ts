/**
 * What a reward file pays (docs/airl.md): its mean reward over the first 4 demonstrations of a demo file,
 * and the absorbing state's reward r_abs with the value it gives a terminated episode, r_abs/(1 − γ).
 *
 *   npx tsx scripts/reward-stats.ts demos/T.mcap RUN/reward.reward [more reward files…]
 */
import { readDemoFile } from '../src/data/demo-reader.js';
import { readRewardFile } from '../src/data/reward-file.js';
import { LearnedReward } from '../src/gail/learned-reward.js';
import { useBackend } from '../src/learn/backend.js';

const [demos, ...files] = process.argv.slice(2);
if (demos === undefined || files.length === 0) {
  console.error('usage: npx tsx scripts/reward-stats.ts DEMOS.mcap REWARD_FILE…');
  process.exit(1);
}
await useBackend('wasm');
const demo = await readDemoFile(demos);
for (const file of files) {
  const reward = new LearnedReward(await readRewardFile(file));
  let sum = 0;
  let n = 0;
  for (const { trajectory: t } of demo.episodes.slice(0, 4)) {
    for (const r of reward.rewards(t.obs.subarray(0, t.length * t.obsDim), t.acts, t.length)) {
      sum += r;
      n++;
    }
  }
  const abs = reward.absorbingReward();
  console.log(
    `${file}: ${reward.record.architecture.kind}, mean reward on the demonstrations ${(sum / n).toFixed(3)}, ` +
      `r_abs ${abs.toFixed(3)}, r_abs/(1 − γ) ${(abs / (1 - reward.gamma)).toFixed(1)}`,
  );
  reward.dispose();
}
