/**
 * ROS 2 interface definitions (field names and types) of every message and service the bridge can speak,
 * from the same `.msg` files a ROS 2 install builds: ROS 2 Jazzy's common interfaces as packaged by
 * `@foxglove/rosmsg-msgs-common` (std_msgs, sensor_msgs, geometry_msgs, nav_msgs, trajectory_msgs,
 * rosgraph_msgs, builtin_interfaces, …), this project's own `msgs/gail_bridge_msgs/msg/*.msg` (parsed at
 * first use with `@foxglove/rosmsg`, ROS 2 grammar), and std_srvs/srv/Trigger.
 *
 * The in-process bus checks every message against these definitions, as rclnodejs's generated classes
 * do (message-check.ts), so a field type the real middleware refuses fails in CI without ROS 2.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MessageDefinition } from '@foxglove/message-definition';
import { parse } from '@foxglove/rosmsg';
import { ros2jazzy } from '@foxglove/rosmsg-msgs-common';
import { GailBridgeError } from '../core/errors.js';

/** This package's root (src/ros or dist/ros → ../..), where msgs/ lives in a clone and in the package. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The interface package whose .msg files are read at first use. */
export const OWN_INTERFACES_DIR = join(PACKAGE_ROOT, 'msgs', 'gail_bridge_msgs', 'msg');
const OWN_PACKAGE = 'gail_bridge_msgs';

/**
 * std_srvs/srv/Trigger (std_srvs is not in the common set): an empty request; the response is
 * `bool success` and `string message`.
 */
const SERVICES: Readonly<Record<string, { request: string; response: string }>> = {
  'std_srvs/srv/Trigger': { request: '', response: 'bool success\nstring message\n' },
  'std_srvs/srv/Empty': { request: '', response: '' },
  'std_srvs/srv/SetBool': { request: 'bool data\n', response: 'bool success\nstring message\n' },
};

/** Definitions keyed by `pkg/Name` (the form @foxglove/rosmsg uses for nested types). */
let registry: Map<string, MessageDefinition> | undefined;

function ownDefinitions(): Map<string, MessageDefinition> {
  const out = new Map<string, MessageDefinition>();
  let files: string[];
  try {
    files = readdirSync(OWN_INTERFACES_DIR).filter((f) => f.endsWith('.msg'));
  } catch (err) {
    throw new GailBridgeError(
      'ros',
      `interface package ${OWN_PACKAGE}: cannot read ${OWN_INTERFACES_DIR} (${String(err)}); the package's msgs/ folder is missing`,
    );
  }
  for (const file of files) {
    const name = `${OWN_PACKAGE}/${file.replace(/\.msg$/, '')}`;
    const text = readFileSync(join(OWN_INTERFACES_DIR, file), 'utf8');
    // skipTypeFixup keeps nested names as written; they are resolved against the registry, where
    // unqualified names mean this package (ROS 2 rule) and builtin_interfaces/Time is `time`.
    const [main] = parse(text, { ros2: true, skipTypeFixup: true });
    if (!main) continue;
    out.set(name, {
      name,
      definitions: main.definitions.map((f) => {
        if (!f.isComplex) return f;
        if (f.type === 'builtin_interfaces/Time') return { ...f, type: 'time', isComplex: false };
        if (f.type === 'builtin_interfaces/Duration') return { ...f, type: 'duration', isComplex: false };
        return f.type.includes('/') ? f : { ...f, type: `${OWN_PACKAGE}/${f.type}` };
      }),
    });
  }
  return out;
}

function serviceDefinitions(): Map<string, MessageDefinition> {
  const out = new Map<string, MessageDefinition>();
  for (const [type, { request, response }] of Object.entries(SERVICES)) {
    for (const [part, text] of [
      ['Request', request],
      ['Response', response],
    ] as const) {
      const name = `${shortName(type)}_${part}`;
      out.set(name, { name, definitions: parse(text, { ros2: true })[0]?.definitions ?? [] });
    }
  }
  return out;
}

function definitions(): Map<string, MessageDefinition> {
  if (!registry) {
    registry = new Map(Object.entries(ros2jazzy as Record<string, MessageDefinition>));
    for (const [k, v] of ownDefinitions()) registry.set(k, v);
    for (const [k, v] of serviceDefinitions()) registry.set(k, v);
  }
  return registry;
}

/** `sensor_msgs/msg/JointState` (rclnodejs name) → `sensor_msgs/JointState` (nested-type name). */
function shortName(type: string): string {
  const parts = type.split('/');
  return parts.length === 3 ? `${parts[0]}/${parts[2]}` : type;
}

/** The definition of a nested type, by the name a field gives (`std_msgs/Header`). */
export function nestedDefinition(type: string): MessageDefinition | undefined {
  return definitions().get(type);
}

/**
 * The definition of a message type by its rclnodejs name (`sensor_msgs/msg/JointState`); a `ros` error
 * naming the type when it is unknown, as rclnodejs refuses a type whose interface was not generated.
 */
export function messageDefinition(type: string): MessageDefinition {
  const parts = type.split('/');
  const def = parts.length === 3 && parts[1] === 'msg' ? definitions().get(shortName(type)) : undefined;
  if (!def)
    throw new GailBridgeError(
      'ros',
      `message type ${type}: not a known ROS 2 interface (expected pkg/msg/Name from ROS 2 Jazzy's common interfaces or ${OWN_PACKAGE})`,
    );
  return def;
}

/** Request and response definitions of a service type (`std_srvs/srv/Trigger`). */
export function serviceDefinition(type: string): { request: MessageDefinition; response: MessageDefinition } {
  const parts = type.split('/');
  const base = parts.length === 3 && parts[1] === 'srv' ? shortName(type) : undefined;
  const request = base ? definitions().get(`${base}_Request`) : undefined;
  const response = base ? definitions().get(`${base}_Response`) : undefined;
  if (!request || !response)
    throw new GailBridgeError(
      'ros',
      `service type ${type}: not a known ROS 2 interface (known: ${Object.keys(SERVICES).join(', ')})`,
    );
  return { request, response };
}
