/**
 * Codecs for the records of `msgs/gail_bridge.proto`, and their conversions to and from the core types.
 *
 * The codecs are built from the JSON bundle generated at build time (`npm run proto:gen`), never from a
 * schema found in an input file. protobufjs decodes bytes of the wrong type without complaint (see
 * specs/failure-cases.md), so every `*FromProto` below validates what it gets and names the field.
 */

import { resolve } from 'node:path';
import protobuf from 'protobufjs/light.js';
import { GailBridgeError } from '../core/errors.js';
import { makeSpaceSpec, type SpaceSpec, type Spec, type SpecSource } from '../core/spec.js';
import { EPISODE_END_NAMES, type EpisodeEnd } from '../core/trajectory.js';
import type { gail_bridge } from './proto.generated.js';
import { GAIL_BRIDGE_DESCRIPTOR_BASE64, GAIL_BRIDGE_PROTO_JSON } from './schema.generated.js';

export type { gail_bridge } from './proto.generated.js';

const root = protobuf.Root.fromJSON(GAIL_BRIDGE_PROTO_JSON as unknown as protobuf.INamespace);

/** A typed encode/decode pair for one message type. `decode` throws a `file` error naming `what`. */
export interface Codec<Props, Decoded> {
  /** Fully qualified protobuf name, e.g. "gail_bridge.Step" (the MCAP schema name). */
  readonly name: string;
  encode(message: Props): Uint8Array;
  decode(bytes: Uint8Array, what: string): Decoded;
}

function codec<Props, Decoded>(name: string): Codec<Props, Decoded> {
  const type = root.lookupType(name);
  return {
    name,
    encode: (message) => type.encode(message as protobuf.Message).finish(),
    decode(bytes, what) {
      try {
        return type.decode(bytes) as unknown as Decoded;
      } catch (err) {
        throw new GailBridgeError('file', `${what}: not a valid ${name} record (${(err as Error).message})`, {
          cause: err,
        });
      }
    },
  };
}

export const EpisodeHeaderCodec = codec<gail_bridge.EpisodeHeader.$Properties, gail_bridge.EpisodeHeader>(
  'gail_bridge.EpisodeHeader',
);
export const StepCodec = codec<gail_bridge.Step.$Properties, gail_bridge.Step>('gail_bridge.Step');
export const EpisodeEndCodec = codec<gail_bridge.EpisodeEnd.$Properties, gail_bridge.EpisodeEnd>(
  'gail_bridge.EpisodeEnd',
);
export const SpecCodec = codec<gail_bridge.Spec.$Properties, gail_bridge.Spec>('gail_bridge.Spec');
export const PolicyPayloadCodec = codec<gail_bridge.PolicyPayload.$Properties, gail_bridge.PolicyPayload>(
  'gail_bridge.PolicyPayload',
);

export const RewardPayloadCodec = codec<gail_bridge.RewardPayload.$Properties, gail_bridge.RewardPayload>(
  'gail_bridge.RewardPayload',
);

/** The FileDescriptorSet of gail_bridge.proto, as MCAP schema data (encoding "protobuf"). */
export const GAIL_BRIDGE_DESCRIPTOR: Uint8Array = Uint8Array.from(
  Buffer.from(GAIL_BRIDGE_DESCRIPTOR_BASE64, 'base64'),
);

// ---- float32 vectors as little-endian bytes (bit-exact: NaN payloads and -0 survive) ----

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Copies a float32 vector into fresh little-endian bytes. */
export function float32ToBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.byteLength);
  if (LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  } else {
    const view = new DataView(bytes.buffer);
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    for (let i = 0; i < bits.length; i++) view.setUint32(4 * i, bits[i]!, true);
  }
  return bytes;
}

/**
 * Reads `expected` float32 values from little-endian bytes into a fresh array; throws a `file` error
 * naming `what` when the byte count is not 4·expected.
 */
export function bytesToFloat32(
  field: Uint8Array | null | undefined,
  expected: number,
  what: string,
): Float32Array {
  // An absent bytes field decodes to a shared empty array, not a Uint8Array.
  const bytes = field instanceof Uint8Array ? field : new Uint8Array(0);
  if (bytes.byteLength !== 4 * expected) {
    throw new GailBridgeError(
      'file',
      `${what}: expected ${expected} float32 values (${4 * expected} bytes), got ${bytes.byteLength} bytes`,
    );
  }
  const out = new Float32Array(expected);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < expected; i++) bits[i] = view.getUint32(4 * i, true);
  }
  return out;
}

// ---- Spec ----

/** core Spec → protobuf properties. */
export function specToProto(spec: Spec): gail_bridge.Spec.$Properties {
  const space = (s: SpaceSpec): gail_bridge.SpaceSpec.$Properties => ({
    names: [...s.names],
    units: [...s.units],
    low: [...s.low],
    high: [...s.high],
  });
  // A file outlives the working directory it was written from: its paths are absolute.
  const source: gail_bridge.SpecSource.$Properties =
    spec.source.kind === 'task'
      ? { task: spec.source.task }
      : spec.source.kind === 'mjcf'
        ? {
            mjcfPath: resolve(spec.source.path),
            ...(spec.source.taskConfig === undefined ? {} : { taskConfig: resolve(spec.source.taskConfig) }),
          }
        : { robotConfig: spec.source.config };
  return {
    observation: space(spec.observation),
    action: space(spec.action),
    controlRateHz: spec.controlRateHz,
    source,
    producer: spec.producer,
  };
}

/** Decoded protobuf Spec → validated core Spec; `what` names the record in errors. */
export function specFromProto(msg: gail_bridge.Spec.$Properties | null | undefined, what: string): Spec {
  if (!msg) throw new GailBridgeError('file', `${what}: the spec is missing`);
  const space = (s: gail_bridge.SpaceSpec.$Properties | null | undefined, part: string): SpaceSpec => {
    if (!s?.names || s.names.length === 0) {
      throw new GailBridgeError('file', `${what}: spec.${part} has no element names`);
    }
    try {
      return makeSpaceSpec({
        names: s.names,
        units: s.units ?? [],
        low: s.low ?? [],
        high: s.high ?? [],
      });
    } catch (err) {
      throw new GailBridgeError('file', `${what}: spec.${part}: ${(err as Error).message}`, { cause: err });
    }
  };
  const rate = msg.controlRateHz ?? 0;
  if (!(Number.isFinite(rate) && rate > 0)) {
    throw new GailBridgeError('file', `${what}: spec.controlRateHz must be a positive number, got ${rate}`);
  }
  const src = msg.source;
  let source: SpecSource;
  // Decoded oneof members read a default from the prototype when unset: ask which one is set.
  const has = (k: keyof gail_bridge.SpecSource.$Properties): boolean => !!src && Object.hasOwn(src, k);
  if (has('task')) source = { kind: 'task', task: src!.task ?? '' };
  else if (has('mjcfPath'))
    source = {
      kind: 'mjcf',
      path: src!.mjcfPath ?? '',
      ...(src!.taskConfig ? { taskConfig: src!.taskConfig } : {}),
    };
  else if (has('robotConfig')) source = { kind: 'robot', config: src!.robotConfig ?? '' };
  else throw new GailBridgeError('file', `${what}: spec.source is missing (task, mjcf or robot)`);
  return Object.freeze({
    observation: space(msg.observation, 'observation'),
    action: space(msg.action, 'action'),
    controlRateHz: rate,
    source: Object.freeze(source),
    producer: msg.producer ?? '',
  });
}

// ---- EpisodeEnd ----

const END_TO_PROTO: Readonly<Record<EpisodeEnd, number>> = {
  terminated: 1,
  truncated: 2,
  diverged: 3,
  interrupted: 4,
};

/** core EpisodeEnd → protobuf enum value (never 0). */
export function endToProto(end: EpisodeEnd): number {
  return END_TO_PROTO[end];
}

/** protobuf enum value → core EpisodeEnd; 0 or an unknown value is a `file` error naming `what`. */
export function endFromProto(value: number | null | undefined, what: string): EpisodeEnd {
  const found = EPISODE_END_NAMES.find((n) => END_TO_PROTO[n] === value);
  if (!found) {
    throw new GailBridgeError(
      'file',
      `${what}: end reason ${value ?? 'missing'} is not one of ${EPISODE_END_NAMES.map((n) => `${END_TO_PROTO[n]} (${n})`).join(', ')}`,
    );
  }
  return found;
}

/** Record<string,string> ↔ repeated KeyValue. */
export function toKeyValues(
  record: Readonly<Record<string, string>> | undefined,
): gail_bridge.KeyValue.$Properties[] {
  return Object.entries(record ?? {}).map(([key, value]) => ({ key, value }));
}

/** repeated KeyValue → a frozen plain record (later keys win). */
export function fromKeyValues(
  pairs: readonly gail_bridge.KeyValue.$Properties[] | null | undefined,
): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of pairs ?? []) out[p.key ?? ''] = p.value ?? '';
  return Object.freeze(out);
}
