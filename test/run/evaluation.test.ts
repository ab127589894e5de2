import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gailReportLayout } from '../../src/gail/report.js';
import { readFinalEvaluation } from '../../src/run/evaluation.js';
import { appendMetricsRow, createRunFolder, runPath } from '../../src/run/folder.js';
import { type RunOutcome, recordFinalEvaluation } from '../../src/run/run.js';

describe('evaluation.json', () => {
  it('is written after the final evaluation and report.html redrawn with it as the return chart’s line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gb-eval-'));
    try {
      const config = createRunFolder(dir, { command: 'train', algo: 'gail', settings: {} }, { force: false });
      appendMetricsRow(dir, { round: 1, envSteps: 100, wallSeconds: 1, returnMean: 10 });
      appendMetricsRow(dir, { round: 2, envSteps: 200, wallSeconds: 2, returnMean: 20 });
      const outcome = {
        dir,
        progress: { round: 2, envSteps: 200 },
        reportPath: runPath(dir, 'report'),
        status: 'finished: 200 of 200 env steps in 2 rounds, 2.0 s of training',
      } as RunOutcome;
      recordFinalEvaluation({ report: gailReportLayout('t') }, outcome, config, { mean: 25.5, std: 1.5 });
      const e = readFinalEvaluation(dir)!;
      assert.deepEqual([e.mean, e.std, e.envSteps, e.round], [25.5, 1.5, 200, 2]);
      const html = readFileSync(runPath(dir, 'report'), 'utf8');
      assert.match(html, /<p id="status">finished: 200 of 200 env steps/);
      assert.match(html, /class="reference" data-name="final evaluation"/);
      assert.match(html, /<th>version<\/th><td>gail-bridge \d/);
      writeFileSync(runPath(dir, 'evaluation'), '{"format": "something else"}');
      assert.equal(readFinalEvaluation(dir), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
