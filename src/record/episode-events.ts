/**
 * Publishing the recorder's episode boundaries as gail_bridge_msgs/EpisodeEvent, when rclnodejs has the
 * generated type; otherwise the recorder runs without them and says what to build (ros/bridge-msgs.ts).
 */

import { QOS_PRESETS } from '../config/qos.js';
import {
  BRIDGE_MSG_TYPES,
  BRIDGE_MSGS_BUILD_HINT,
  BRIDGE_MSGS_PACKAGE,
  EPISODE_EVENT_ENDS,
  EPISODE_EVENT_KINDS,
  type EpisodeEventMsg,
} from '../ros/bridge-msgs.js';
import type { Bus, Publisher } from '../ros/bus.js';
import { header } from '../ros/messages.js';
import type { RecorderEvent } from './recorder.js';

/** The message for a recorder event, or undefined for events that are not episode boundaries. */
export function episodeEventMessage(
  e: RecorderEvent,
  steps: (episode: number) => number,
): EpisodeEventMsg | undefined {
  switch (e.kind) {
    case 'started':
      return {
        header: header(e.timeS),
        event: EPISODE_EVENT_KINDS.started,
        episode: e.episode,
        end: EPISODE_EVENT_ENDS.none,
        steps: 0,
        marks: [],
      };
    case 'ended':
      return {
        header: header(e.timeS),
        event: EPISODE_EVENT_KINDS.ended,
        episode: e.episode,
        end: EPISODE_EVENT_ENDS[e.end],
        steps: e.steps,
        marks: [...e.marks],
      };
    case 'discarded':
      return {
        header: header(e.timeS),
        event: EPISODE_EVENT_KINDS.discarded,
        episode: e.episode,
        end: EPISODE_EVENT_ENDS.none,
        steps: steps(e.episode),
        marks: ['discarded by the operator'],
      };
    case 'ready':
    case 'warning':
      return undefined;
  }
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
