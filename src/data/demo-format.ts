/**
 * The layout of a gail-bridge demonstration file, shared by its writer, reader and repair:
 * an MCAP file (profile "") with one protobuf channel per record kind (DESIGN.md, Data):
 *
 *   /gail_bridge/episode      gail_bridge.EpisodeHeader   opens an episode, carries the full Spec
 *   /gail_bridge/step         gail_bridge.Step            obs before the action, action, reward?, time?
 *   /gail_bridge/episode_end  gail_bridge.EpisodeEnd      end reason, step count, final observation
 *
 * Each schema is the FileDescriptorSet of msgs/gail_bridge.proto (encoding "protobuf"), so Foxglove and
 * the mcap CLI decode the messages. A Metadata record named `gail_bridge.demos` marks the file as ours.
 */
import { EpisodeEndCodec, EpisodeHeaderCodec, StepCodec } from './proto.js';

/** Topic → schema name of each record kind. */
export const DEMO_CHANNELS = {
  header: { topic: '/gail_bridge/episode', schema: EpisodeHeaderCodec.name },
  step: { topic: '/gail_bridge/step', schema: StepCodec.name },
  end: { topic: '/gail_bridge/episode_end', schema: EpisodeEndCodec.name },
} as const;
export type DemoRecordKind = keyof typeof DEMO_CHANNELS;

/** Name of the Metadata record that identifies a demo file, and its format version. */
export const DEMO_METADATA_NAME = 'gail_bridge.demos';
export const DEMO_FORMAT_VERSION = '1';
/** Metadata key holding the file's Spec (gail_bridge.Spec, protobuf, base64). */
export const DEMO_METADATA_SPEC_KEY = 'spec';
