/**
 * `gail-bridge export POLICY --tfjs DIR`: a policy file → a TensorFlow.js LayersModel (model.json +
 * weights.bin) of its mean action, taking raw observations (src/data/tfjs-export.ts).
 */
import type { Command } from 'commander';
import { readPolicyFile } from '../data/policy-file.js';
import { report, runCommand } from './common.js';

/** What `export` reports. */
export interface ExportReport {
  readonly policy: string;
  readonly files: readonly string[];
  readonly obsDim: number;
  readonly actDim: number;
}

export function register(program: Command): void {
  program
    .command('export')
    .description('export a policy file as a TensorFlow.js LayersModel (model.json + weights.bin)')
    .argument('<policy>', 'policy file')
    .requiredOption('--tfjs <dir>', 'folder to write model.json and weights.bin into')
    .option('--json', 'print the result as one JSON object on stdout', false)
    .action((policy: string, o: { tfjs: string; json: boolean }) =>
      runCommand(async () => {
        const record = await readPolicyFile(policy);
        // TensorFlow.js loads only here, so the other commands start without it.
        const tf = await import('@tensorflow/tfjs');
        await tf.setBackend('cpu');
        const { exportTfjs } = await import('../data/tfjs-export.js');
        const files = await exportTfjs(record, o.tfjs);
        const r: ExportReport = {
          policy,
          files,
          obsDim: record.architecture.obsDim,
          actDim: record.architecture.actDim,
        };
        report(
          o.json,
          r,
          () =>
            `${policy} → ${files.join(', ')} (${r.obsDim} → ${r.actDim}, raw observations in, mean action out)`,
        );
      }),
    );
}
