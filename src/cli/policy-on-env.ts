/**
 * What the commands that run a policy file on an env (`demos`, `eval`) share: the first flags (the policy,
 * the env target, the episodes), the env the policy runs on (the flags' task or robot,
 * else the one it was trained on), and the frozen policy, checked against that env, on the chosen backend.
 */
import type { Command } from 'commander';
import { type EnvTarget, envTargetFromFlags, envTargetFromSource } from '../config/task.js';
import { assertSpecsMatch, type Spec } from '../core/spec.js';
import type { PolicyRecord } from '../data/policy-file.js';
import type { GaussianPolicy } from '../learn/gaussian-policy.js';
import { addEnvTargetOptions, info, positiveInt } from './common.js';

/** The options of a command that runs a policy file on an env (its flags). */
export interface PolicyOnEnvOptions {
  readonly policy: string;
  /** Built-in task; or `model`/`taskConfig`; none: what the policy was trained on. */
  readonly task?: string | undefined;
  readonly model?: string | undefined;
  readonly taskConfig?: string | undefined;
  readonly episodes: number;
  readonly mode: 'deterministic' | 'stochastic';
  readonly seed: number;
  readonly backend: string;
}

/** `program`'s command `name` with --policy (help `policyHelp`), the env target flags and --episodes. */
export function policyOnEnvCommand(
  program: Command,
  name: string,
  description: string,
  policyHelp: string,
  episodes: { readonly help: string; readonly default: number },
): Command {
  const command = program
    .command(name)
    .description(description)
    .requiredOption('--policy <file>', policyHelp);
  addEnvTargetOptions(command, 'the one the policy was trained on');
  return command.option('--episodes <n>', episodes.help, positiveInt('--episodes'), episodes.default);
}

/** The policy file of `opts` and the env it runs on: the flags' task or robot, else its training env. */
export async function readPolicyOnEnv(
  opts: PolicyOnEnvOptions,
  command: string,
): Promise<{ readonly record: PolicyRecord; readonly target: EnvTarget }> {
  const { readPolicyFile } = await import('../data/policy-file.js');
  const record = await readPolicyFile(opts.policy);
  const target = envTargetFromFlags(opts, command) ?? envTargetFromSource(record.spec.source, opts.policy);
  return { record, target };
}

/**
 * The frozen policy of `record` after checking it fits `spec` (the env's), on `opts.backend` (announced);
 * the caller disposes it.
 */
export async function frozenPolicyOnEnv(
  record: PolicyRecord,
  opts: PolicyOnEnvOptions,
  spec: Spec,
): Promise<GaussianPolicy> {
  assertSpecsMatch(`${opts.policy} vs the env`, spec, record.spec);
  const [{ parseBackendChoice, useBackend }, { policyFromRecord }] = await Promise.all([
    import('../learn/backend.js'),
    import('../learn/policy-record.js'),
  ]);
  const backend = await useBackend(parseBackendChoice(opts.backend));
  info(backend.description);
  return policyFromRecord(record, opts.seed, true);
}
