/**
 * The recorder's episode boundaries as gail_bridge_msgs/EpisodeEvent messages (published through
 * `openEpisodeEvents`, ros/bridge-msgs.ts, when rclnodejs has the generated type).
 */

import { EPISODE_EVENT_ENDS, EPISODE_EVENT_KINDS, type EpisodeEventMsg } from '../ros/bridge-msgs.js';
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
