/**
 * `train --algo airl` settings: GAIL's record (config.ts; the same fields, units and defaults, stored
 * in config.json the same way), with what AIRL fixes or does not have refused by name:
 *
 * - `reward` is `logit`: the policy's reward is log D − log(1 − D) = f(s, a, s′) − log π(a|s)
 *   (Fu et al. 2018, Sec. 5), the default here; another kind is refused.
 * - `gradPenalty` and `spectralNorm` are stabilisers of GAIL's D(s, a) and are not implemented for
 *   AIRL's g and h: refused when set. `labelSmoothing` and `weightDecay` apply to g and h as to D.
 * - `discHidden` sets the hidden widths of g and of h; `discLr`, `discStepsPerRound`, `discBatchSize`
 *   AIRL's discriminator as GAIL's; `gamma` is both the policy's discount and f's γ.
 */
import { GailBridgeError } from '../core/errors.js';
import { type GailConfig, resolveGailConfig } from './config.js';

/** AIRL's settings are GAIL's, with `reward` = "logit" and no gradient penalty or spectral norm. */
export type AirlConfig = GailConfig;

/** Fills defaults and validates (GAIL's rules, then AIRL's); every error names the option. */
export function resolveAirlConfig(partial: Partial<GailConfig> & Pick<GailConfig, 'demos'>): AirlConfig {
  if (partial.reward !== undefined && partial.reward !== 'logit')
    throw new GailBridgeError(
      'usage',
      `--reward ${partial.reward}: AIRL's policy reward is its logit f(s, a, s′) − log π(a|s) ` +
        '(Fu et al. 2018, Sec. 5); leave --reward out',
    );
  if (partial.gradPenalty !== undefined && partial.gradPenalty !== 0)
    throw new GailBridgeError(
      'usage',
      `--grad-penalty ${partial.gradPenalty}: not implemented for AIRL's discriminator (g and h); leave it out ` +
        '(--label-smoothing and --weight-decay apply)',
    );
  if (partial.spectralNorm === true)
    throw new GailBridgeError(
      'usage',
      "--spectral-norm: not implemented for AIRL's discriminator (g and h); leave it out",
    );
  return resolveGailConfig({ ...partial, reward: 'logit' });
}
