/** `gail-bridge tasks`: the built-in simulation tasks with their sizes, dt and horizon. */
import type { Command } from 'commander';
import { TASK_NAMES, TASKS } from '../sim/tasks/index.js';
import { report, runCommand } from './common.js';

/** One row of `tasks --json`. */
export interface TaskRow {
  readonly name: string;
  readonly title: string;
  readonly obsDim: number;
  readonly actDim: number;
  /** Seconds per env step. */
  readonly dt: number;
  readonly frameSkip: number;
  readonly horizon: number;
  readonly summary: string;
}

/** The rows `tasks` prints, in registry order. */
export function taskRows(): TaskRow[] {
  return TASK_NAMES.map((name) => {
    const t = TASKS[name];
    return {
      name,
      title: t.title,
      obsDim: t.obsDim,
      actDim: t.actDim,
      dt: t.dt,
      frameSkip: t.frameSkip,
      horizon: t.horizon,
      summary: t.summary,
    };
  });
}

export function register(program: Command): void {
  program
    .command('tasks')
    .description('list the built-in simulation tasks (observation/action sizes, dt, horizon)')
    .option('--json', 'print the result as one JSON object on stdout', false)
    .action((o: { json: boolean }) =>
      runCommand(() => {
        const tasks = taskRows();
        report(o.json, { tasks }, () => {
          const header = ['task', 'obs', 'act', 'dt (s)', 'horizon', 'summary'];
          const rows = tasks.map((t) => [
            t.name,
            `${t.obsDim}`,
            `${t.actDim}`,
            `${t.dt}`,
            `${t.horizon}`,
            t.summary,
          ]);
          const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
          const line = (cells: string[]): string =>
            cells
              .map((x, c) => x.padEnd(widths[c]!))
              .join('  ')
              .trimEnd();
          return [line(header), ...rows.map(line)].join('\n');
        });
      }),
    );
}
