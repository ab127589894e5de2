/**
 * `gail-bridge view [RUN_DIR | DEMO.mcap | POLICY ...]`: a local page (src/view) that draws the robot in
 * 3D with the same MuJoCo WASM build, plays a demo file episode by episode or a policy live, and follows
 * training runs as their metrics.jsonl grows. Serves on 127.0.0.1 until SIGINT or SIGTERM.
 */
import type { Command } from 'commander';
import { info, integer, runCommand } from './common.js';

interface ViewFlags {
  readonly task?: string;
  readonly model?: string;
  readonly taskConfig?: string;
  readonly port: number;
  readonly host: string;
}

export function register(program: Command): void {
  program
    .command('view')
    .description(
      'a local web page: the robot in 3D playing a demo file or a policy, and the live learning curves of runs',
    )
    .argument(
      '[paths...]',
      'run folders (or a folder of runs: seeds overlaid), a demo file (.mcap) and/or a policy file (.policy)',
    )
    .option('--task <name>', 'the built-in task to draw (default: what the files were made on)')
    .option('--model <robot.xml>', 'an MJCF robot to draw instead')
    .option('--task-config <file.yaml>', 'generic task options for --model (a policy plays on that env)')
    .option('--port <n>', 'port to listen on; 0 picks a free one', integer('--port'), 8765)
    .option(
      '--host <address>',
      'address to listen on (the page is for this machine: keep 127.0.0.1)',
      '127.0.0.1',
    )
    .action((paths: string[], flags: ViewFlags) =>
      runCommand(async () => {
        const [{ openView }, { startViewServer }] = await Promise.all([
          import('../view/session.js'),
          import('../view/server.js'),
        ]);
        const view = await openView({
          paths,
          task: flags.task,
          model: flags.model,
          taskConfig: flags.taskConfig,
        });
        const server = await startViewServer(view, { host: flags.host, port: flags.port });
        const s = view.session;
        const what = [
          ...(s.demo ? [`${s.demo.episodes.length} demo episodes`] : []),
          ...(s.policy ? ['a policy'] : []),
          ...(s.runs.length > 0 ? [`${s.runs.length} run${s.runs.length > 1 ? 's' : ''}`] : []),
        ];
        info(`view: ${what.join(', ') || 'the model'}${s.model ? ` on ${s.model.name}` : ''}`);
        process.stdout.write(`${server.url}\n`);
        info('Ctrl-C to stop');
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            process.off('SIGHUP', stop);
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
          process.on('SIGHUP', stop);
        });
        await server.close();
      }),
    );
}
