/**
 * The `--ros` part of `gail-bridge sim` (the command itself belongs to src/cli/sim.ts): the flags, and the
 * run of a MuJoCo env as a ROS 2 node (SimNode) until SIGINT/SIGTERM or `--episodes` are done. The sim
 * command hooks in with two calls:
 *
 *   addRosSimOptions(command);                               // when declaring the command
 *   if (o.ros) return runRosSim({ env, ...rosSimOptions(o) }); // in its action, once the env exists
 */
import { type Command, Option } from 'commander';
import { GailBridgeError } from '../core/errors.js';
import type { Bus } from '../ros/bus.js';
import { createRclnodejsBus } from '../ros/rclnodejs-bus.js';
import { type InspectableEnv, type SimEpisode, SimNode } from '../ros/sim-node.js';

/** The flags `--ros` adds, as commander parses them. */
export interface RosSimFlags {
  readonly ros?: boolean;
  readonly rate?: number;
  readonly realtime?: boolean;
  readonly clock?: boolean;
  readonly nodeName?: string;
  readonly commandTopic?: string;
  readonly namespace?: string;
}

/** Adds --ros, --rate, --realtime, --clock, --node-name and --command-topic to a command. */
export function addRosSimOptions(command: Command): Command {
  return command
    .option(
      '--ros',
      'serve the env as a ROS 2 node: /joint_states, episode events, command topic, reset service',
    )
    .addOption(
      new Option('--rate <hz>', 'with --ros --realtime: env steps per second (default 1 / env dt)').argParser(
        (v) => {
          const n = Number(v);
          if (!(n > 0 && Number.isFinite(n)))
            throw new GailBridgeError('usage', `--rate: expected a positive number of Hz, got "${v}"`);
          return n;
        },
      ),
    )
    .option(
      '--realtime',
      'with --ros: step on a timer holding the last command (default: one step per command)',
    )
    .option('--clock', 'with --ros: publish /clock (simulation time) for nodes with use_sim_time')
    .option('--node-name <name>', 'with --ros: ROS 2 node name', 'gail_bridge_sim')
    .option(
      '--namespace <name>',
      'with --ros: serve under /NAME (/NAME/joint_states, /NAME/gail_bridge_sim/steps, …) so several simulators share one graph (train --ros --namespaces)',
    )
    .option(
      '--command-topic <topic>',
      'with --ros: std_msgs/Float64MultiArray command topic (default /forward_command_controller/commands, under --namespace)',
    );
}

/** Options of `runRosSim`. */
export interface RosSimOptions {
  readonly env: InspectableEnv;
  readonly seed?: number;
  /** Finish after this many episodes (default: until SIGINT/SIGTERM). */
  readonly episodes?: number;
  readonly rate?: number;
  readonly realtime?: boolean;
  readonly clock?: boolean;
  readonly nodeName?: string;
  readonly commandTopic?: string;
  /** Serve under this namespace (every topic and service gets /NAME in front). */
  readonly namespace?: string;
  /** The bus to serve on (default: an rclnodejs node named `nodeName`); owned by runRosSim. */
  readonly makeBus?: (name: string) => Promise<Bus>;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
}

/** The flags' values as `runRosSim` options. */
export function rosSimOptions(flags: RosSimFlags): Omit<RosSimOptions, 'env'> {
  if (flags.rate !== undefined && !flags.realtime)
    throw new GailBridgeError('usage', '--rate applies to --realtime only (lockstep steps once per command)');
  return {
    ...(flags.rate === undefined ? {} : { rate: flags.rate }),
    realtime: Boolean(flags.realtime),
    clock: Boolean(flags.clock),
    nodeName: flags.nodeName ?? 'gail_bridge_sim',
    ...(flags.commandTopic === undefined ? {} : { commandTopic: flags.commandTopic }),
    ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
  };
}

/** Serves the env until SIGINT/SIGTERM or `episodes` are done; resolves with the finished episodes. */
export async function runRosSim(o: RosSimOptions): Promise<SimEpisode[]> {
  const name = o.nodeName ?? 'gail_bridge_sim';
  const bus = await (o.makeBus ?? ((n: string) => createRclnodejsBus(n, { namespace: o.namespace })))(name);
  const node = new SimNode({
    bus,
    env: o.env,
    realtime: Boolean(o.realtime),
    publishClock: Boolean(o.clock),
    ...(o.rate === undefined ? {} : { rateHz: o.rate }),
    ...(o.seed === undefined ? {} : { seed: o.seed }),
    ...(o.episodes === undefined ? {} : { episodes: o.episodes }),
    ...(o.commandTopic === undefined ? {} : { commandTopic: o.commandTopic }),
    ...(o.namespace === undefined ? {} : { namespace: o.namespace }),
  });
  const stop = (signal: NodeJS.Signals): void => {
    o.log?.(`sim: ${signal}: shutting down`);
    node.dispose();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
  try {
    node.start();
    o.log?.(
      `sim: node ${o.namespace ? `/${o.namespace.replace(/^\/+|\/+$/g, '')}/` : ''}${name} serving ${o.env.spec.source.kind === 'task' ? o.env.spec.source.task : 'model'} (${o.realtime ? `realtime${o.rate ? ` at ${o.rate} Hz` : ''}` : 'lockstep: one step per command'}); Ctrl-C to stop`,
    );
    return await node.done;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.off('SIGHUP', stop);
    node.dispose();
    bus.dispose();
  }
}
