/**
 * The policy's reward from the discriminator's logit z (D = σ(z) is the probability that (s, a) is the
 * expert's; `logitsExpertIsHigh`). With σ(z) = 1 / (1 + e^−z):
 *
 *   gail:  r = −log(1 − D) = −log(e^−z / (1 + e^−z)) = log(1 + e^z) = softplus(z)   ∈ (0, ∞)
 *          Ho & Ermon 2016 (their cost log D with D on the policy), the default: always positive, so
 *          it rewards surviving (a bias that absorbing states correct; Kostrikov et al. 2019, Sec. 4.1).
 *   logD:  r = log D = −log(1 + e^−z) = −softplus(−z)                             ∈ (−∞, 0)
 *          always negative: rewards ending early, unless absorbing states price the end.
 *   logit: r = log D − log(1 − D) = softplus(z) − softplus(−z) = z                 ∈ ℝ
 *          (AIRL's form, Fu et al. 2018): the sum of the two, unbiased in sign.
 *
 * Every kind is strictly increasing in z. Rewards are clipped to ±`REWARD_CLIP` so that a saturated D
 * cannot produce an unbounded return.
 */
import { GailBridgeError } from '../core/errors.js';

/** Reward kinds, one map (STYLE 8). */
export const REWARD_KINDS = {
  gail: '−log(1 − D) = softplus(logit) (Ho & Ermon 2016; default)',
  logD: 'log D = −softplus(−logit)',
  logit: 'log D − log(1 − D) = logit (AIRL form)',
} as const;
export type RewardKind = keyof typeof REWARD_KINDS;
export const REWARD_KIND_NAMES = Object.keys(REWARD_KINDS) as RewardKind[];

/** Rewards are clipped to ±this. */
export const REWARD_CLIP = 10;

/** log(1 + e^x) without overflow for large |x|. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** The reward of one logit under `kind`, clipped to ±REWARD_CLIP. NaN stays NaN (callers check). */
export function rewardOfLogit(z: number, kind: RewardKind): number {
  let r: number;
  switch (kind) {
    case 'gail':
      r = softplus(z);
      break;
    case 'logD':
      r = -softplus(-z);
      break;
    case 'logit':
      r = z;
      break;
    default: {
      const never: never = kind;
      throw new GailBridgeError('config', `unknown reward kind ${String(never)}`);
    }
  }
  return Math.min(REWARD_CLIP, Math.max(-REWARD_CLIP, r));
}

/** Rewards for a batch of logits (a new array). */
export function rewardsFromLogits(logits: ArrayLike<number>, kind: RewardKind): Float32Array {
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = rewardOfLogit(logits[i]!, kind);
  return out;
}

/** Parses a `--reward` value, naming the valid ones on error. */
export function parseRewardKind(value: string): RewardKind {
  if (Object.hasOwn(REWARD_KINDS, value)) return value as RewardKind;
  throw new GailBridgeError(
    'config',
    `--reward: expected one of ${REWARD_KIND_NAMES.join(', ')}, got "${value}"`,
  );
}

/**
 * The value of the absorbing state for the on-policy learner: once absorbed, the episode stays there
 * forever receiving r_abs = r(s_abs, 0) each step, so V(s_abs) = Σ_{k≥0} γ^k r_abs = r_abs / (1 − γ)
 * (Kostrikov et al. 2019, Eq. 5 summed in closed form). It enters the RolloutBatch as `terminalValue` on
 * terminated steps, in place of the 0 a plain terminal state would get.
 */
export function absorbingValue(absorbingReward: number, gamma: number): number {
  if (!(gamma >= 0 && gamma < 1))
    throw new GailBridgeError('config', `gamma: expected a value in [0, 1), got ${gamma}`);
  return absorbingReward / (1 - gamma);
}
