/**
 * The bridge's own ROS 2 interfaces (`msgs/gail_bridge_msgs`): type names, the numeric constants of
 * each `.msg` as TypeScript maps (test/msgs checks they match the files), message shapes as rclnodejs
 * delivers them, and the check that rclnodejs has generated JS for the package. When it has not, the
 * bridge still runs on standard messages and says what to build (`bridgeMsgsAvailability`).
 */

import { QOS_PRESETS } from '../config/qos.js';
import type { EpisodeEnd } from '../core/trajectory.js';
import type { Bus, Publisher } from './bus.js';
import type { Header, JointState } from './messages.js';

export const BRIDGE_MSGS_PACKAGE = 'gail_bridge_msgs';

/** rclnodejs type names of every message in the package, one map (STYLE 8). */
export const BRIDGE_MSG_TYPES = {
  episodeEvent: 'gail_bridge_msgs/msg/EpisodeEvent',
  bridgeStatus: 'gail_bridge_msgs/msg/BridgeStatus',
  topicStatus: 'gail_bridge_msgs/msg/TopicStatus',
  simStep: 'gail_bridge_msgs/msg/SimStep',
} as const;
export type BridgeMsgType = (typeof BRIDGE_MSG_TYPES)[keyof typeof BRIDGE_MSG_TYPES];

/** EpisodeEvent.event: EVENT_STARTED, EVENT_ENDED, EVENT_DISCARDED. */
export const EPISODE_EVENT_KINDS = { started: 0, ended: 1, discarded: 2 } as const;
export type EpisodeEventKind = keyof typeof EPISODE_EVENT_KINDS;

/** EpisodeEvent.end: END_NONE and one constant per `EpisodeEnd`, so terminated ≠ truncated on the wire. */
export const EPISODE_EVENT_ENDS = {
  none: 0,
  terminated: 1,
  truncated: 2,
  diverged: 3,
  interrupted: 4,
} as const satisfies Record<EpisodeEnd | 'none', number>;

/** BridgeStatus.mode: MODE_RECORD, MODE_DEPLOY, MODE_SIM. */
export const BRIDGE_MODES = { record: 0, deploy: 1, sim: 2 } as const;
export type BridgeMode = keyof typeof BRIDGE_MODES;

/** BridgeStatus.state: STATE_WAITING … STATE_FAULT (meanings in BridgeStatus.msg). */
export const BRIDGE_STATES = { waiting: 0, idle: 1, active: 2, safe: 3, fault: 4 } as const;
export type BridgeState = keyof typeof BRIDGE_STATES;

/** gail_bridge_msgs/msg/SimStep: one step (or reset) of a simulator serving training. */
export interface SimStepMsg {
  readonly header: Header;
  readonly episode: number;
  /** Steps taken in the episode; 0 for the first state after a reset. */
  readonly step: number;
  readonly reward: number;
  /** EPISODE_EVENT_ENDS: none, or how the episode ended at this final state. */
  readonly end: number;
  readonly state: JointState;
}

/** gail_bridge_msgs/msg/EpisodeEvent as rclnodejs shapes it. */
export interface EpisodeEventMsg {
  readonly header: Header;
  readonly event: number;
  readonly episode: number;
  readonly end: number;
  readonly steps: number;
  readonly marks: readonly string[];
}

/** gail_bridge_msgs/msg/TopicStatus (rates in Hz, age in seconds; uint64 counters as bigint, as rclnodejs requires). */
export interface TopicStatusMsg {
  readonly topic: string;
  readonly type: string;
  readonly expected_rate_hz: number;
  readonly achieved_rate_hz: number;
  readonly received: bigint;
  readonly late: bigint;
  readonly missing: bigint;
  readonly age_s: number;
}

/** gail_bridge_msgs/msg/BridgeStatus. */
export interface BridgeStatusMsg {
  readonly header: Header;
  readonly mode: number;
  readonly state: number;
  readonly message: string;
  readonly control_rate_hz: number;
  readonly achieved_rate_hz: number;
  readonly episode: number;
  readonly steps: bigint;
  readonly deadline_misses: bigint;
  readonly topics: readonly TopicStatusMsg[];
}

/** What to run when the generated types are missing; printed verbatim. */
export const BRIDGE_MSGS_BUILD_HINT =
  'build the interface package and let rclnodejs generate its JS: ' +
  '`colcon build --base-paths msgs --packages-select gail_bridge_msgs && source install/setup.bash && ' +
  'npx generate-ros-messages` (in the gail-bridge folder)';

/**
 * Loads a generated interface by rclnodejs name, throwing when it does not exist (`rclnodejs.require`
 * behaves so: it resolves `pkg/msg/Type` among the JS generated for every sourced interface package).
 */
export type InterfaceLoader = (typeName: string) => unknown;

export type BridgeMsgsAvailability =
  | { readonly available: true }
  | { readonly available: false; readonly missing: readonly BridgeMsgType[]; readonly hint: string };

/**
 * Whether every gail_bridge_msgs type can be loaded. When not, `hint` names the missing types and the
 * commands that make them exist; callers fall back to standard messages (std_msgs/String) and print it.
 */
export function bridgeMsgsAvailability(load: InterfaceLoader): BridgeMsgsAvailability {
  const missing: BridgeMsgType[] = [];
  for (const type of Object.values(BRIDGE_MSG_TYPES)) {
    let found: unknown;
    try {
      found = load(type);
    } catch {
      found = undefined;
    }
    if (found === undefined || found === null) missing.push(type);
  }
  if (missing.length === 0) return { available: true };
  return {
    available: false,
    missing,
    hint: `${BRIDGE_MSGS_PACKAGE} is not available to rclnodejs (missing ${missing.join(', ')}); ${BRIDGE_MSGS_BUILD_HINT}`,
  };
}

/** Why the EpisodeEvent publisher could not be made, and what to build. */
export interface EpisodeEventsUnavailable {
  readonly available: false;
  readonly hint: string;
}

/**
 * Creates the EpisodeEvent publisher on `topic`. rclnodejs throws on a type it has not generated; then
 * this returns the build hint instead, naming the missing type.
 */
export function openEpisodeEvents(
  bus: Bus,
  topic: string,
): { readonly available: true; readonly publisher: Publisher<EpisodeEventMsg> } | EpisodeEventsUnavailable {
  try {
    return {
      available: true,
      publisher: bus.publisher(topic, BRIDGE_MSG_TYPES.episodeEvent, QOS_PRESETS.reliable),
    };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      available: false,
      hint: `${BRIDGE_MSGS_PACKAGE} is not available (${BRIDGE_MSG_TYPES.episodeEvent}: ${why}); ${BRIDGE_MSGS_BUILD_HINT}`,
    };
  }
}
