/** The learner's public surface, for commands and the GAIL trainer. */
export { Adam } from './adam.js';
export { type BackendChoice, type BackendInfo, parseBackendChoice, useBackend } from './backend.js';
export { type BcConfig, type BcResult, pairsFromTrajectories, trainBc } from './bc.js';
export { computeGae, validateRolloutBatch } from './gae.js';
export { GaussianPolicy, type GaussianPolicyConfig } from './gaussian-policy.js';
export { Mlp } from './mlp.js';
export { RunningNormalizer } from './normalizer.js';
export { policyFromRecord, policyToRecord, recordArrays } from './policy-record.js';
export { type PpoConfig, PpoLearner } from './ppo.js';
export { type TrpoConfig, TrpoLearner } from './trpo.js';
export type { ActMode, ActResult, Policy, PolicyLearner, RolloutBatch, UpdateStats } from './types.js';
export { ValueFunction } from './value.js';
