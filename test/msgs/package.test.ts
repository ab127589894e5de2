/**
 * The ROS 2 interface package msgs/gail_bridge_msgs, checked without ROS: package.xml (REP 149 format 3,
 * interface-package tags), CMakeLists.txt (the rosidl list matches msg/*.msg, dependencies declared), each
 * .msg under the ROS 2 msg grammar (@foxglove/rosmsg, ros2 mode) plus the naming rules rosidl enforces,
 * and the constants against the TypeScript maps the bridge publishes with.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { MessageDefinition } from '@foxglove/message-definition';
import { parse } from '@foxglove/rosmsg';
import { XMLParser } from 'fast-xml-parser';
import { EPISODE_END_NAMES } from '../../src/core/trajectory.js';
import {
  BRIDGE_MODES,
  BRIDGE_MSG_TYPES,
  BRIDGE_MSGS_PACKAGE,
  BRIDGE_STATES,
  bridgeMsgsAvailability,
  EPISODE_EVENT_ENDS,
  EPISODE_EVENT_KINDS,
} from '../../src/ros/bridge-msgs.js';
import { wellFormedErrors } from '../xml/well-formed.js';

const PKG_DIR = join(import.meta.dirname, '../../msgs/gail_bridge_msgs');
const MSG_DIR = join(PKG_DIR, 'msg');

/** Definitions of the external types our messages use, as shipped by ROS 2 (std_msgs, builtin_interfaces). */
const EXTERNAL_DEFINITIONS: Readonly<Record<string, string>> = {
  'std_msgs/Header': 'builtin_interfaces/Time stamp\nstring frame_id\n',
  'builtin_interfaces/Time': 'int32 sec\nuint32 nanosec\n',
  'sensor_msgs/JointState':
    'std_msgs/Header header\nstring[] name\nfloat64[] position\nfloat64[] velocity\nfloat64[] effort\n',
};

const msgFiles = readdirSync(MSG_DIR)
  .filter((f) => f.endsWith('.msg'))
  .sort();
const msgText = (name: string): string => readFileSync(join(MSG_DIR, `${name}.msg`), 'utf8');
const ownNames = msgFiles.map((f) => f.replace(/\.msg$/, ''));

/** Complex types one definition names, package-qualified (unqualified names are in the same package). */
function directDeps(text: string, ownPackage: string): string[] {
  const defs = parse(text, { ros2: true, skipTypeFixup: true })[0]?.definitions ?? [];
  return defs
    .filter((d) => d.isComplex)
    .map((d) => (d.type.includes('/') ? d.type : `${ownPackage}/${d.type}`));
}

/**
 * The full definition text (main + one `MSG:` section per type it needs, transitively), as ROS 2 tools
 * concatenate it for MCAP schemas.
 */
function fullDefinition(name: string, text: string): string {
  const bodies: Record<string, string> = { ...EXTERNAL_DEFINITIONS };
  for (const own of ownNames) if (own !== name) bodies[`${BRIDGE_MSGS_PACKAGE}/${own}`] = msgText(own);
  const sections = [text];
  const done = new Set<string>();
  const queue = directDeps(text, BRIDGE_MSGS_PACKAGE);
  while (queue.length > 0) {
    const dep = queue.shift()!;
    const body = bodies[dep];
    if (done.has(dep) || body === undefined) continue;
    done.add(dep);
    sections.push(`${'='.repeat(80)}\nMSG: ${dep}\n${body}`);
    queue.push(...directDeps(body, dep.split('/')[0]!));
  }
  return sections.join('\n');
}

const FIELD_NAME = /^[a-z]([a-z0-9_]*[a-z0-9])?$/;
const CONSTANT_NAME = /^[A-Z]([A-Z0-9_]*[A-Z0-9])?$/;
const MESSAGE_NAME = /^[A-Z][A-Za-z0-9]*$/;

/**
 * Problems with one .msg, beyond what the parser rejects: rosidl's naming rules (no double or trailing
 * underscore), duplicate names, and complex types that resolve to no known message.
 */
function msgProblems(name: string, text: string): string[] {
  const problems: string[] = [];
  if (!MESSAGE_NAME.test(name)) problems.push(`message name ${name} is not CamelCase`);
  let defs: MessageDefinition[];
  try {
    defs = parse(fullDefinition(name, text), { ros2: true });
  } catch (err) {
    return [...problems, `${name}.msg does not parse: ${(err as Error).message}`];
  }
  const main = defs[0];
  if (!main) return [...problems, `${name}.msg: no definition`];
  const known = new Set([
    ...Object.keys(EXTERNAL_DEFINITIONS),
    ...ownNames.map((n) => `${BRIDGE_MSGS_PACKAGE}/${n}`),
  ]);
  const seen = new Set<string>();
  for (const d of main.definitions) {
    if (seen.has(d.name)) problems.push(`${name}.msg: ${d.name} declared twice`);
    seen.add(d.name);
    if (d.isConstant) {
      if (!CONSTANT_NAME.test(d.name)) problems.push(`${name}.msg: constant ${d.name} is not UPPER_CASE`);
    } else {
      if (!FIELD_NAME.test(d.name) || d.name.includes('__'))
        problems.push(`${name}.msg: field ${d.name} is not lower_snake_case`);
      if (d.isComplex && !known.has(d.type))
        problems.push(`${name}.msg: field ${d.name} has unknown type ${d.type}`);
    }
  }
  return problems;
}

/** Constants of a parsed message, name → value. */
function constantsOf(name: string): Map<string, unknown> {
  const main = parse(fullDefinition(name, msgText(name)), { ros2: true })[0]!;
  return new Map(main.definitions.filter((d) => d.isConstant).map((d) => [d.name, d.value]));
}

/** Packages named by the complex fields of our messages, other than our own. */
function referencedPackages(): Set<string> {
  const pkgs = new Set<string>();
  for (const name of ownNames) {
    const main = parse(fullDefinition(name, msgText(name)), { ros2: true })[0]!;
    for (const d of main.definitions) {
      const pkg = d.isComplex ? d.type.split('/')[0] : undefined;
      if (pkg && pkg !== BRIDGE_MSGS_PACKAGE) pkgs.add(pkg);
    }
  }
  // std_msgs/Header itself depends on builtin_interfaces/Time; rosidl needs it declared only when used
  // directly, but declaring it is harmless and keeps the list stable.
  return pkgs;
}

const packageXml = readFileSync(join(PKG_DIR, 'package.xml'), 'utf8');
const cmake = readFileSync(join(PKG_DIR, 'CMakeLists.txt'), 'utf8');

describe('gail_bridge_msgs package.xml', () => {
  const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: () => false });
  const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const listParser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    isArray: (tag) => /depend|maintainer|license|member_of_group/.test(tag),
  });
  const pkg = listParser.parse(packageXml).package as Record<string, unknown>;

  it('is well-formed XML', () => {
    assert.deepEqual(wellFormedErrors(packageXml), []);
    assert.ok(xml.parse(packageXml).package, 'root element must be <package>');
  });

  it('is format 3 and names the package like its folder and CMake project', () => {
    assert.equal(pkg['@format'], '3');
    assert.equal(pkg['name'], BRIDGE_MSGS_PACKAGE);
    assert.match(cmake, new RegExp(`project\\(${BRIDGE_MSGS_PACKAGE}\\)`));
    assert.match(String(pkg['version']), /^\d+\.\d+\.\d+$/);
    assert.ok(String(pkg['description']).length > 10);
    const maintainer = asList(pkg['maintainer'])[0] as Record<string, unknown>;
    assert.match(String(maintainer['@email']), /^[^@\s]+@[^@\s]+$/);
    assert.equal(asList(pkg['license']).length, 1);
  });

  it('declares what an interface package needs', () => {
    const buildtool = asList(pkg['buildtool_depend']);
    assert.ok(buildtool.includes('ament_cmake'));
    assert.ok(buildtool.includes('rosidl_default_generators'));
    assert.ok(asList(pkg['exec_depend']).includes('rosidl_default_runtime'));
    assert.deepEqual(asList(pkg['member_of_group']), ['rosidl_interface_packages']);
    assert.equal((pkg['export'] as Record<string, unknown>)['build_type'], 'ament_cmake');
  });

  it('depends on every package our messages use', () => {
    const depends = new Set(asList(pkg['depend']).map(String));
    for (const p of referencedPackages())
      assert.ok(depends.has(p), `package.xml: missing <depend>${p}</depend>`);
  });
});

describe('gail_bridge_msgs CMakeLists.txt', () => {
  it('generates exactly the messages in msg/', () => {
    const call = /rosidl_generate_interfaces\(\$\{PROJECT_NAME\}([\s\S]*?)\)/.exec(cmake);
    assert.ok(call, 'CMakeLists.txt: no rosidl_generate_interfaces call for the project');
    const listed = [...call[1]!.matchAll(/"msg\/([A-Za-z0-9]+\.msg)"/g)].map((m) => m[1]).sort();
    assert.deepEqual(listed, msgFiles);
    const deps = /DEPENDENCIES([^\n)]*)/.exec(call[1]!)?.[1]?.trim().split(/\s+/) ?? [];
    for (const p of referencedPackages()) {
      assert.ok(deps.includes(p), `CMakeLists.txt: DEPENDENCIES lacks ${p}`);
      assert.match(cmake, new RegExp(`find_package\\(${p} REQUIRED\\)`));
    }
  });

  it('uses ament_cmake with the rosidl generators and exports the runtime', () => {
    assert.match(cmake, /find_package\(ament_cmake REQUIRED\)/);
    assert.match(cmake, /find_package\(rosidl_default_generators REQUIRED\)/);
    assert.match(cmake, /ament_export_dependencies\(rosidl_default_runtime\)/);
    assert.match(cmake, /ament_package\(\)\s*$/);
  });
});

describe('gail_bridge_msgs msg/*.msg', () => {
  it('has the messages the bridge publishes', () => {
    const expected = Object.values(BRIDGE_MSG_TYPES)
      .map((t) => `${t.split('/')[2]}.msg`)
      .sort();
    assert.deepEqual(msgFiles, expected);
  });

  for (const file of msgFiles) {
    const name = file.replace(/\.msg$/, '');
    it(`${file} parses under the ROS 2 msg grammar and follows rosidl naming`, () => {
      assert.deepEqual(msgProblems(name, msgText(name)), []);
    });
  }

  it('the checker rejects malformed definitions (so the checks above can fail)', () => {
    const cases: [string, string, RegExp][] = [
      ['Bad', 'uint8 BadField', /does not parse: Invalid field name/],
      ['Bad', 'uint8 A=300', /out of range/],
      ['Bad', 'int32 x\nint32 x', /x declared twice/],
      ['Bad', 'int32 bad__name', /(not lower_snake_case|Invalid field name)/],
      ['Bad', 'int32 trailing_', /(not lower_snake_case|Invalid field name)/],
      ['Bad', 'uint8 lower_const=1', /does not parse: Invalid constant name/],
      ['Bad', 'uint8 TRAILING_=1', /(not UPPER_CASE|Invalid constant name)/],
      ['Bad', 'geometry_msgs/Pose pose', /(does not parse|unknown type geometry_msgs\/Pose)/],
      ['bad_name', 'int32 x', /not CamelCase/],
    ];
    for (const [name, text, pattern] of cases) {
      const problems = msgProblems(name, text);
      assert.ok(
        problems.some((p) => pattern.test(p)),
        `${JSON.stringify(text)}: ${JSON.stringify(problems)}`,
      );
    }
  });

  it('EpisodeEvent constants match EPISODE_EVENT_KINDS and one END_* per episode end', () => {
    const c = constantsOf('EpisodeEvent');
    for (const [kind, v] of Object.entries(EPISODE_EVENT_KINDS))
      assert.equal(c.get(`EVENT_${kind.toUpperCase()}`), v);
    assert.deepEqual(Object.keys(EPISODE_EVENT_ENDS).sort(), ['none', ...EPISODE_END_NAMES].sort());
    for (const [end, v] of Object.entries(EPISODE_EVENT_ENDS))
      assert.equal(c.get(`END_${end.toUpperCase()}`), v);
    const endConstants = [...c.keys()].filter((k) => k.startsWith('END_'));
    assert.equal(endConstants.length, Object.keys(EPISODE_EVENT_ENDS).length);
  });

  it('BridgeStatus constants match BRIDGE_MODES and BRIDGE_STATES', () => {
    const c = constantsOf('BridgeStatus');
    for (const [m, v] of Object.entries(BRIDGE_MODES)) assert.equal(c.get(`MODE_${m.toUpperCase()}`), v);
    for (const [s, v] of Object.entries(BRIDGE_STATES)) assert.equal(c.get(`STATE_${s.toUpperCase()}`), v);
    assert.equal([...c.keys()].length, Object.keys(BRIDGE_MODES).length + Object.keys(BRIDGE_STATES).length);
  });
});

describe('bridgeMsgsAvailability', () => {
  it('is available when rclnodejs can load every type', () => {
    const loaded: string[] = [];
    const result = bridgeMsgsAvailability((t) => {
      loaded.push(t);
      return class {};
    });
    assert.deepEqual(result, { available: true });
    assert.deepEqual(loaded.sort(), Object.values(BRIDGE_MSG_TYPES).sort());
  });

  it('names the missing types and what to build when they are not generated', () => {
    const result = bridgeMsgsAvailability((t) => {
      if (t.endsWith('/BridgeStatus')) return class {};
      throw new Error(`The message required does not exist: ${t}`);
    });
    assert.equal(result.available, false);
    if (result.available) return;
    assert.deepEqual([...result.missing].sort(), [
      BRIDGE_MSG_TYPES.episodeEvent,
      BRIDGE_MSG_TYPES.simStep,
      BRIDGE_MSG_TYPES.topicStatus,
    ]);
    assert.match(
      result.hint,
      /missing gail_bridge_msgs\/msg\/EpisodeEvent, gail_bridge_msgs\/msg\/TopicStatus/,
    );
    assert.match(result.hint, /colcon build --base-paths msgs --packages-select gail_bridge_msgs/);
    assert.match(result.hint, /source install\/setup\.bash/);
  });
});
