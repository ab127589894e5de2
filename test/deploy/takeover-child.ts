/**
 * A `deploy --dry-run --corrections FILE` process with a simulated person on its in-process graph, for
 * test/deploy/takeover-process.test.ts: the person holds a takeover from the start, publishing a fixed
 * teleop command at twice the control rate. Logs every command on stderr; prints the deploy report as JSON on stdout.
 *
 *   node --import tsx test/deploy/takeover-child.ts POLICY CONFIG CORRECTIONS
 */
import { runDeploy } from '../../src/cli/deploy.js';
import { loadRobotConfig } from '../../src/config/robot.js';

const [policy, config, corrections] = process.argv.slice(2);
if (!policy || !config || !corrections) throw new Error('usage: takeover-child.ts POLICY CONFIG CORRECTIONS');
const teleop = loadRobotConfig(config).teleop;
if (!teleop) throw new Error(`${config}: no teleop section`);
const timers: NodeJS.Timeout[] = [];
const report = await runDeploy({
  policy,
  config,
  dryRun: true,
  nodeName: 'deploy',
  logCommands: true,
  corrections,
  onDryRunGraph: (graph) => {
    const person = graph.node('person');
    const takeover = person.publisher(teleop.takeover_topic, 'std_msgs/msg/Bool');
    const cmd = person.publisher(teleop.topic, 'std_msgs/msg/Float64MultiArray');
    timers.push(
      setInterval(() => {
        takeover.publish({ data: true });
        cmd.publish({ layout: { dim: [], data_offset: 0 }, data: [0.1, -0.1, 0.05] });
      }, 4),
    );
  },
});
for (const t of timers) clearInterval(t);
process.stdout.write(`${JSON.stringify(report)}\n`);
