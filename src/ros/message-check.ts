/**
 * A message checked against its ROS 2 definition the way rclnodejs's generated message classes check it
 * (rclnodejs 2.x `rosidl_gen/templates/message-template.cjs`), and copied into the shape rclnodejs hands a
 * subscriber (`toPlainObject` with typed arrays). The in-process bus runs every published message, service
 * request and response through `conformMessage`, so code that works over it does not die on the first
 * message over real ROS 2 (issue: deploy's BridgeStatus carried numbers in uint64 fields, which rclnodejs
 * refuses with "steps must be type of bigint").
 *
 * What rclnodejs refuses, refused here too:
 * - int64/uint64 given as anything but a bigint (scalars and array elements);
 * - a fixed-size array of another length, a bounded array over its bound;
 * - a string field given a non-string (rclnodejs: `Buffer.byteLength` throws);
 * - a numeric sequence given a typed array of another element type or a view into a larger buffer
 *   (rclnodejs sends the whole underlying buffer, so such a view publishes the wrong bytes).
 * Refused here though rclnodejs would coerce or ignore silently, because each hides a defect:
 * - a field name the type does not have (rclnodejs drops it: a typo loses the value);
 * - a number for a bool, a non-integer or out-of-range number for an integer field (rclnodejs truncates
 *   or wraps), a non-number for a float field, a non-object for a nested message.
 * Missing fields take their defaults, as in rclnodejs.
 *
 * Delivered shape (rclnodejs `toPlainObject(enableTypedArray = true)`): sequences and arrays of
 * int8…uint32, float32/float64, byte and char as the matching TypedArray; int64/uint64 as bigint; every
 * field present.
 */
import type { MessageDefinition, MessageDefinitionField } from '@foxglove/message-definition';
import { GailBridgeError } from '../core/errors.js';
import { nestedDefinition } from './interfaces.js';

type TypedArrayCtor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

/** Integer ranges of the ROS 2 integer types that travel as JS numbers. */
const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int8: [-128, 127],
  char: [-128, 127],
  uint8: [0, 255],
  byte: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

/** 64-bit integers: rclnodejs takes and gives bigint. */
const BIGINT_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

/** Element types rclnodejs keeps in typed arrays (its `getTypedArrayName`). */
const TYPED_ARRAYS: Readonly<Record<string, TypedArrayCtor>> = {
  int8: Int8Array,
  char: Int8Array,
  uint8: Uint8Array,
  byte: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** builtin_interfaces/Time and Duration, which the definitions name `time` and `duration`. */
const TIME_DEFINITION: MessageDefinition = {
  name: 'builtin_interfaces/Time',
  definitions: [
    { name: 'sec', type: 'int32' },
    { name: 'nanosec', type: 'uint32' },
  ],
};

function fail(path: string, what: string, got: unknown): never {
  throw new GailBridgeError('ros', `${path ? `field ${path}` : 'message'}: ${what}, got ${describe(got)}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'bigint') return `bigint ${v}n`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function complexDefinition(type: string, path: string): MessageDefinition {
  if (type === 'time' || type === 'duration') return TIME_DEFINITION;
  const def = nestedDefinition(type);
  if (!def) throw new GailBridgeError('ros', `field ${path}: nested type ${type} has no known definition`);
  return def;
}

function isComplexField(f: MessageDefinitionField): boolean {
  return f.isComplex === true || f.type === 'time' || f.type === 'duration';
}

/** One scalar of a primitive type, checked; returns the delivered value. */
function conformScalar(type: string, v: unknown, path: string, upperBound?: number): unknown {
  if (type === 'bool') {
    if (typeof v !== 'boolean') fail(path, 'expected a boolean (bool)', v);
    return v;
  }
  if (type === 'string' || type === 'wstring') {
    // rclnodejs: Buffer.byteLength(value) throws a TypeError on anything but a string.
    if (typeof v !== 'string') fail(path, `expected a string (${type})`, v);
    if (upperBound !== undefined && v.length > upperBound)
      fail(path, `expected at most ${upperBound} characters (${type}<=${upperBound})`, v);
    return v;
  }
  if (type === 'float32' || type === 'float64') {
    if (typeof v !== 'number') fail(path, `expected a number (${type})`, v);
    return v;
  }
  const big = BIGINT_RANGES[type];
  if (big) {
    if (typeof v !== 'bigint')
      fail(
        path,
        `expected a bigint (${type}; rclnodejs refuses a number here: "must be type of bigint"; write BigInt(n))`,
        v,
      );
    if (v < big[0] || v > big[1]) fail(path, `out of range for ${type}`, v);
    return v;
  }
  const range = INT_RANGES[type];
  if (range) {
    if (typeof v !== 'number' || !Number.isInteger(v)) fail(path, `expected an integer (${type})`, v);
    if (v < range[0] || v > range[1]) fail(path, `out of range for ${type} [${range[0]}, ${range[1]}]`, v);
    return v;
  }
  throw new GailBridgeError('ros', `field ${path}: unknown primitive type ${type}`);
}

function zeroScalar(type: string): unknown {
  if (type === 'bool') return false;
  if (type === 'string' || type === 'wstring') return '';
  if (type in BIGINT_RANGES) return 0n;
  return 0;
}

function defaultScalar(f: MessageDefinitionField): unknown {
  const d = f.defaultValue;
  if (d === undefined || Array.isArray(d)) return zeroScalar(f.type);
  if (f.type in BIGINT_RANGES) return BigInt(d as number | bigint);
  return d;
}

/** The value a missing field takes (rclnodejs `_setDefaults` / zero-initialised struct). */
function defaultField(f: MessageDefinitionField, path: string): unknown {
  const typed = TYPED_ARRAYS[f.type];
  if (f.isArray) {
    const n = f.arrayLength ?? 0;
    if (isComplexField(f)) {
      const def = complexDefinition(f.type, path);
      return Array.from({ length: n }, (_, i) => conformObject(def, {}, `${path}[${i}]`));
    }
    const given = Array.isArray(f.defaultValue) ? (f.defaultValue as unknown[]) : undefined;
    if (typed) return given ? typed.from(given as number[]) : new typed(n);
    if (given) return f.type in BIGINT_RANGES ? given.map((x) => BigInt(x as number)) : [...given];
    return Array.from({ length: n }, () => zeroScalar(f.type));
  }
  if (isComplexField(f)) return conformObject(complexDefinition(f.type, path), {}, path);
  return defaultScalar(f);
}

function conformArray(f: MessageDefinitionField, v: unknown, path: string): unknown {
  const typed = TYPED_ARRAYS[f.type];
  let length: number;
  if (Array.isArray(v)) length = v.length;
  else if (typed && ArrayBuffer.isView(v)) {
    if (!(v instanceof typed)) fail(path, `expected an array of numbers or a ${typed.name} (${f.type}[])`, v);
    // rclnodejs copies `new Uint8Array(value.buffer)`: a view into a larger buffer would send other bytes.
    if (v.byteOffset !== 0 || v.byteLength !== v.buffer.byteLength)
      fail(
        path,
        `a ${typed.name} view into a larger buffer (offset ${v.byteOffset}, ${v.byteLength} of ${v.buffer.byteLength} bytes); rclnodejs would send the whole buffer: pass a copy (slice())`,
        v,
      );
    length = v.length;
  } else fail(path, `expected an array (${f.type}[])`, v);
  if (f.arrayLength !== undefined && length !== f.arrayLength)
    fail(path, `expected exactly ${f.arrayLength} elements (${f.type}[${f.arrayLength}])`, v);
  if (f.arrayUpperBound !== undefined && length > f.arrayUpperBound)
    fail(path, `expected at most ${f.arrayUpperBound} elements (${f.type}[<=${f.arrayUpperBound}])`, v);
  const items = v as ArrayLike<unknown>;
  if (isComplexField(f)) {
    const def = complexDefinition(f.type, path);
    return Array.from({ length }, (_, i) => conformObject(def, items[i], `${path}[${i}]`));
  }
  if (typed) {
    if (ArrayBuffer.isView(v)) return (v as unknown as { slice(): unknown }).slice();
    const out = new typed(length);
    for (let i = 0; i < length; i++) out[i] = conformScalar(f.type, items[i], `${path}[${i}]`) as number;
    return out;
  }
  return Array.from({ length }, (_, i) => conformScalar(f.type, items[i], `${path}[${i}]`, f.upperBound));
}

function conformObject(def: MessageDefinition, v: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(v)) fail(path, `expected an object (${def.name ?? 'message'})`, v);
  const fields = def.definitions.filter((f) => f.isConstant !== true);
  for (const key of Object.keys(v)) {
    if (!fields.some((f) => f.name === key))
      throw new GailBridgeError(
        'ros',
        `field ${path ? `${path}.` : ''}${key}: ${def.name ?? 'the message'} has no such field (fields: ${fields.map((f) => f.name).join(', ') || 'none'})`,
      );
  }
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const p = path ? `${path}.${f.name}` : f.name;
    const given = v[f.name];
    if (given === undefined) out[f.name] = defaultField(f, p);
    else if (f.isArray) out[f.name] = conformArray(f, given, p);
    else if (isComplexField(f)) out[f.name] = conformObject(complexDefinition(f.type, p), given, p);
    else out[f.name] = conformScalar(f.type, given, p, f.upperBound);
  }
  return out;
}

/**
 * Checks `message` against `def` as rclnodejs would and returns the copy a subscriber receives; throws a
 * `ros` error naming the field path, what was expected and what was given.
 */
export function conformMessage(def: MessageDefinition, message: unknown): Record<string, unknown> {
  return conformObject(def, message, '');
}
