/**
 * Builds rosbag2-style MCAP bags in-process for the import tests: profile "ros2", schemas as ros2msg text
 * (as `ros2 bag record` embeds them, dependencies after `MSG:` separators), messages CDR-encoded by
 * `@foxglove/rosmsg2-serialization`, chunks uncompressed, zstd or lz4.
 */
import { writeFile } from 'node:fs/promises';
import { parse } from '@foxglove/rosmsg';
import { MessageWriter } from '@foxglove/rosmsg2-serialization';
import * as zstd from '@foxglove/wasm-zstd';
import { TempBuffer } from '@mcap/core';
import * as lz4 from 'lz4js';
import { ChunkedMcapWriter } from '../../src/data/mcap-writer.js';

const SEP = '\n================================================================================\nMSG: ';
const TIME = 'builtin_interfaces/Time\nint32 sec\nuint32 nanosec';
const HEADER = 'std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id';
const VECTOR3 = 'geometry_msgs/Vector3\nfloat64 x\nfloat64 y\nfloat64 z';

/** ros2msg definitions as recorded in bags (main type first, then its dependencies). */
export const ROS2MSG: Readonly<Record<string, string>> = {
  'sensor_msgs/msg/JointState': [
    'std_msgs/Header header\nstring[] name\nfloat64[] position\nfloat64[] velocity\nfloat64[] effort',
    HEADER,
    TIME,
  ].join(SEP),
  'geometry_msgs/msg/Twist': ['Vector3  linear\nVector3  angular', VECTOR3].join(SEP),
  'geometry_msgs/msg/TwistStamped': [
    'std_msgs/Header header\nTwist twist',
    HEADER,
    TIME,
    'geometry_msgs/Twist\nVector3  linear\nVector3  angular',
    VECTOR3,
  ].join(SEP),
  'std_msgs/msg/Float64MultiArray': [
    'MultiArrayLayout  layout\nfloat64[]         data',
    'std_msgs/MultiArrayLayout\nMultiArrayDimension[] dim\nuint32 data_offset',
    'std_msgs/MultiArrayDimension\nstring label\nuint32 size\nuint32 stride',
  ].join(SEP),
  'trajectory_msgs/msg/JointTrajectory': [
    'std_msgs/Header header\nstring[] joint_names\nJointTrajectoryPoint[] points',
    'trajectory_msgs/JointTrajectoryPoint\nfloat64[] positions\nfloat64[] velocities\nfloat64[] accelerations\nfloat64[] effort\nbuiltin_interfaces/Duration time_from_start',
    HEADER,
    TIME,
    'builtin_interfaces/Duration\nint32 sec\nuint32 nanosec',
  ].join(SEP),
  'std_msgs/msg/Empty': '',
};

/** CDR bytes of `msg` as type `type`. */
export function cdr(type: string, msg: unknown): Uint8Array {
  return new MessageWriter(parse(ROS2MSG[type]!, { ros2: true })).writeMessage(msg);
}

export interface BagMessage {
  readonly topic: string;
  readonly type: string;
  /** Log time, seconds. */
  readonly t: number;
  readonly msg: unknown;
}

export interface BagOptions {
  readonly compression?: 'none' | 'zstd' | 'lz4';
  /** Override a topic's message encoding (tests of unsupported encodings). */
  readonly encoding?: Readonly<Record<string, string>>;
  /** Raw message bytes instead of CDR for these topics. */
  readonly raw?: Readonly<Record<string, Uint8Array>>;
}

/** An MCAP rosbag2 file holding `messages`, as bytes. */
export async function bagBytes(
  messages: readonly BagMessage[],
  options: BagOptions = {},
): Promise<Uint8Array> {
  await zstd.isLoaded;
  const buf = new TempBuffer();
  const compression = options.compression ?? 'none';
  const w = new ChunkedMcapWriter({
    writable: buf,
    profile: 'ros2',
    library: 'rosbag2 test',
    chunkBytes: 2048,
    compress:
      compression === 'zstd'
        ? (d) => ({ compression: 'zstd', compressedData: zstd.compress(d, 3) })
        : compression === 'lz4'
          ? (d) => ({ compression: 'lz4', compressedData: lz4.compress(d) })
          : undefined,
  });
  await w.start();
  const channels = new Map<string, number>();
  let seq = 0;
  for (const m of messages) {
    let id = channels.get(m.topic);
    if (id === undefined) {
      const schemaId = w.registerSchema({
        name: m.type,
        encoding: 'ros2msg',
        data: new TextEncoder().encode(ROS2MSG[m.type]!),
      });
      id = w.registerChannel({
        schemaId,
        topic: m.topic,
        messageEncoding: options.encoding?.[m.topic] ?? 'cdr',
        metadata: new Map([['offered_qos_profiles', '']]),
      });
      channels.set(m.topic, id);
    }
    const logTime = BigInt(Math.round(m.t * 1e9));
    await w.addMessage({
      channelId: id,
      sequence: seq++,
      logTime,
      publishTime: logTime,
      data: options.raw?.[m.topic] ?? cdr(m.type, m.msg),
    });
  }
  await w.end();
  return buf.get().slice();
}

/** Writes `bytes` to `path`. */
export async function writeBag(path: string, bytes: Uint8Array): Promise<void> {
  await writeFile(path, bytes);
}

/** A JointState message with the given joints and positions (velocity = 10 × position). */
export function jointState(t: number, names: readonly string[], position: readonly number[]): unknown {
  return {
    header: { stamp: { sec: Math.floor(t), nanosec: Math.round((t % 1) * 1e9) }, frame_id: '' },
    name: names,
    position,
    velocity: position.map((p) => 10 * p),
    effort: [],
  };
}

/** The metadata.yaml of a split MCAP bag (the fields import reads, plus a few ros2 bag writes). */
export function metadataYaml(files: readonly string[], storage = 'mcap'): string {
  return [
    'rosbag2_bagfile_information:',
    '  version: 9',
    `  storage_identifier: ${storage}`,
    '  relative_file_paths:',
    ...files.map((f) => `    - ${f}`),
    '  duration:',
    '    nanoseconds: 0',
    '  message_count: 0',
    '  topics_with_message_count: []',
    '  compression_format: ""',
    '  compression_mode: ""',
  ].join('\n');
}
