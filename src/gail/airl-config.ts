/**
 * `train --algo airl` settings: GAIL's record (config.ts; the same fields, units and defaults, stored
 * in config.json the same way), with what AIRL fixes or does not have refused by name:
 *
 * - `reward` is `logit`: the policy's reward is log D − log(1 − D) = f(s, a, s′) − log π(a|s)
 *   (Fu et al. 2018, Sec. 5), the default here; another kind is refused.
 * - `gradPenalty` applies to f = g(s) + γ h(s′) − h(s) (its input gradient at interpolated states,
 *   src/gail/airl.ts); `spectralNorm` is not implemented for g and h: refused when set.
 *   `labelSmoothing` and `weightDecay` apply to g and h as to D.
 * - `discHidden` sets the hidden widths of g and of h; `discLr`, `discStepsPerRound`, `discBatchSize`
 *   AIRL's discriminator as GAIL's; `gamma` is both the policy's discount and f's γ.
 */
import { GailBridgeError } from '../core/errors.js';
import { type GailConfig, resolveGailConfig } from './config.js';

/** AIRL's settings: GAIL's, with `reward` = "logit" and no spectral norm, and α. */
export interface AirlConfig extends GailConfig {
  /**
   * α of the policy's reward f − α log π (`--entropy-weight`); default 1, the paper's log D − log(1 − D).
   * Lower it when the entropy bonus −log π outweighs the task's scale (docs/airl.md: Reacher).
   */
  readonly entropyWeight: number;
}

/** Fills defaults and validates (GAIL's rules, then AIRL's); every error names the option. */
export function resolveAirlConfig(partial: Partial<AirlConfig> & Pick<GailConfig, 'demos'>): AirlConfig {
  const { entropyWeight = 1, ...gail } = partial;
  if (!(entropyWeight >= 0 && entropyWeight <= 1))
    throw new GailBridgeError('usage', `--entropy-weight: expected a number in [0, 1], got ${entropyWeight}`);
  if (gail.reward !== undefined && partial.reward !== 'logit')
    throw new GailBridgeError(
      'usage',
      `--reward ${partial.reward}: AIRL's policy reward is its logit f(s, a, s′) − log π(a|s) ` +
        '(Fu et al. 2018, Sec. 5); leave --reward out',
    );
  if (partial.spectralNorm === true)
    throw new GailBridgeError(
      'usage',
      "--spectral-norm: not implemented for AIRL's discriminator (g and h); leave it out",
    );
  return Object.freeze({ ...resolveGailConfig({ ...gail, reward: 'logit' }), entropyWeight });
}
