/**
 * The ROS 2 launch files in launch/, checked without ROS: well-formed XML with a <launch> root, only the
 * tags and attributes launch_xml's parser accepts (it rejects unknown ones at load), every `$(var X)`
 * declared by an <arg> or <let>, every `if`/`unless` a boolean, and every `gail-bridge` command line
 * naming a real subcommand with real flags (checked against the CLI's own `--help`).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { wellFormedErrors } from '../xml/well-formed.js';

const ROOT = join(import.meta.dirname, '../..');
const LAUNCH_DIR = join(ROOT, 'launch');

/** The launch files the docs and the Dockerfile name; each must exist. */
const EXPECTED_FILES = [
  'deploy.launch.xml',
  'record.launch.xml',
  'sim_deploy.launch.xml',
  'train_sims.launch.xml',
];

/**
 * Attributes launch_xml accepts per tag (ros2/launch and launch_ros `parse` methods, Jazzy); `if` and
 * `unless` are accepted on every action. An attribute outside this list fails `ros2 launch` at load.
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  launch: ['version'],
  arg: ['name', 'default', 'description'],
  let: ['name', 'value'],
  group: ['scoped', 'forwarding', 'if', 'unless'],
  executable: [
    'cmd',
    'cwd',
    'name',
    'launch-prefix',
    'output',
    'respawn',
    'respawn_delay',
    'shell',
    'on_exit',
    'if',
    'unless',
  ],
  node: [
    'pkg',
    'exec',
    'name',
    'namespace',
    'launch-prefix',
    'output',
    'respawn',
    'respawn_delay',
    'args',
    'ros_args',
    'if',
    'unless',
  ],
  remap: ['from', 'to'],
  param: ['name', 'value', 'from'],
  env: ['name', 'value'],
  set_env: ['name', 'value', 'if', 'unless'],
  include: ['file', 'if', 'unless'],
};

/** A parsed element: tag, attributes, children, in document order (fast-xml-parser preserveOrder). */
interface El {
  tag: string;
  attrs: Record<string, string>;
  children: El[];
}

type Ordered = Record<string, unknown>;

function toEls(nodes: Ordered[]): El[] {
  const out: El[] = [];
  for (const n of nodes) {
    const tag = Object.keys(n).find((k) => k !== ':@');
    if (!tag || tag === '#text' || tag === '#comment' || tag.startsWith('?')) continue;
    const rawAttrs = (n[':@'] ?? {}) as Record<string, string>;
    const attrs = Object.fromEntries(
      Object.entries(rawAttrs).map(([k, v]) => [k.replace(/^@/, ''), String(v)]),
    );
    out.push({ tag, attrs, children: toEls((n[tag] ?? []) as Ordered[]) });
  }
  return out;
}

/** Parses launch XML into elements; throws with the validator's message when not well-formed. */
function parseLaunch(text: string): El {
  const errors = wellFormedErrors(text);
  if (errors.length > 0) throw new Error(`not well-formed XML: ${errors.join('; ')}`);
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseAttributeValue: false,
    processEntities: true,
  });
  const roots = toEls(parser.parse(text) as Ordered[]);
  if (roots.length !== 1) throw new Error(`expected one root element, got ${roots.length}`);
  return roots[0]!;
}

function* walk(el: El): Generator<El> {
  yield el;
  for (const c of el.children) yield* walk(c);
}

/** `$(var NAME)` references in a string. */
const varRefs = (s: string): string[] =>
  [...s.matchAll(/\$\(var ([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1]!);

/** Structural problems of one launch file (empty when it is good). */
function launchProblems(text: string): string[] {
  let root: El;
  try {
    root = parseLaunch(text);
  } catch (err) {
    return [(err as Error).message];
  }
  const problems: string[] = [];
  if (root.tag !== 'launch') problems.push(`root element is <${root.tag}>, expected <launch>`);
  const declared = new Map<string, string | undefined>();
  for (const el of walk(root)) {
    const allowed = ALLOWED[el.tag];
    if (!allowed) {
      problems.push(`<${el.tag}> is not a launch action this file may use`);
      continue;
    }
    for (const a of Object.keys(el.attrs))
      if (!allowed.includes(a)) problems.push(`<${el.tag}>: attribute ${a} is not accepted by launch_xml`);
    if (el.tag === 'arg' || el.tag === 'let') {
      const name = el.attrs['name'];
      if (!name) problems.push(`<${el.tag}> without a name`);
      else if (declared.has(name)) problems.push(`arg ${name} declared twice`);
      else declared.set(name, el.tag === 'arg' ? el.attrs['default'] : el.attrs['value']);
      if (el.tag === 'arg' && !el.attrs['description']) problems.push(`arg ${name}: no description`);
    }
    if (el.tag === 'executable' && !el.attrs['cmd']) problems.push('<executable> without cmd');
    if (el.tag === 'node' && (!el.attrs['pkg'] || !el.attrs['exec']))
      problems.push('<node> needs pkg and exec');
    if (el.tag === 'remap' && (!el.attrs['from'] || !el.attrs['to']))
      problems.push('<remap> needs from and to');
  }
  for (const el of walk(root)) {
    for (const [attr, value] of Object.entries(el.attrs)) {
      for (const v of varRefs(value))
        if (!declared.has(v)) problems.push(`<${el.tag} ${attr}>: $(var ${v}) is not declared by an <arg>`);
      if ((attr === 'if' || attr === 'unless') && !value.startsWith('$(eval ')) {
        const m = /^\$\(var ([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(value);
        const def = m ? declared.get(m[1]!) : value;
        if (def !== undefined && !/^(true|false)$/.test(def))
          problems.push(
            `<${el.tag} ${attr}="${value}">: expected a boolean (true/false), default is "${def}"`,
          );
      }
    }
  }
  return problems;
}

/**
 * How launch files run gail-bridge: node on this package's own bin script, found from the launch file's
 * folder (`$(dirname)`, launch_xml's ThisLaunchFileDir), so the same file works from a clone (after
 * `npm ci`, which builds dist/) and from an installed package. A bare `gail-bridge` is not on PATH in a
 * clone: `ros2 launch` failed with FileNotFoundError.
 */
const GAIL_BRIDGE_BIN = '$(dirname)/../bin/gail-bridge.js';

/** `gail-bridge` command lines in a launch file: subcommand and the --flags it passes. */
function gailBridgeCommands(text: string): { sub: string; flags: string[]; cmd: string }[] {
  const out: { sub: string; flags: string[]; cmd: string }[] = [];
  for (const el of walk(parseLaunch(text))) {
    const cmd = el.attrs['cmd'];
    if (el.tag !== 'executable' || !cmd) continue;
    const words = cmd.split(/\s+/).filter((w) => w !== '');
    if (words[0] !== 'node' || words[1] !== GAIL_BRIDGE_BIN) continue;
    out.push({ sub: words[2] ?? '', flags: words.filter((w) => w.startsWith('--')), cmd });
  }
  return out;
}

const files = readdirSync(LAUNCH_DIR)
  .filter((f) => f.endsWith('.launch.xml'))
  .sort();
const read = (f: string): string => readFileSync(join(LAUNCH_DIR, f), 'utf8');

describe('launch files: structure', () => {
  it('ship record, sim + deploy, deploy, and simulators + learner', () => {
    assert.deepEqual(files, EXPECTED_FILES);
  });

  for (const f of files) {
    it(`${f} is valid launch XML with every used arg declared`, () => {
      assert.deepEqual(launchProblems(read(f)), []);
    });
  }

  it('take the robot config and the policy as arguments', () => {
    const args = (f: string) =>
      [...walk(parseLaunch(read(f)))].filter((e) => e.tag === 'arg').map((e) => e.attrs['name']);
    assert.ok(args('record.launch.xml').includes('config'));
    assert.ok(args('deploy.launch.xml').includes('config'));
    assert.ok(args('deploy.launch.xml').includes('policy'));
    // HG-DAgger through launch: takeovers recorded into a corrections file (docs/dagger.md).
    assert.ok(args('deploy.launch.xml').includes('corrections'));
    assert.ok(args('deploy.launch.xml').includes('corrections_out'));
    assert.ok(args('sim_deploy.launch.xml').includes('policy'));
  });

  it('the checker finds broken launch files (so the checks above can fail)', () => {
    const cases: [string, RegExp][] = [
      ['<launch><arg name="a" description="x"/>', /not well-formed/],
      ['<group/>', /root element is <group>/],
      ['<launch><executable cmd="ls $(var nope)"/></launch>', /\$\(var nope\) is not declared/],
      ['<launch><executable cmd="ls" sigterm_timeout="3"/></launch>', /sigterm_timeout is not accepted/],
      [
        '<launch><arg name="x" default="1" description="d"/><executable cmd="ls" if="$(var x)"/></launch>',
        /expected a boolean/,
      ],
      ['<launch><arg name="x"/></launch>', /arg x: no description/],
      ['<launch><node exec="a"/></launch>', /needs pkg and exec/],
      ['<launch><rosparam/></launch>', /<rosparam> is not a launch action/],
    ];
    for (const [text, pattern] of cases) {
      const problems = launchProblems(text);
      assert.ok(
        problems.some((p) => pattern.test(p)),
        `${text}: ${JSON.stringify(problems)}`,
      );
    }
  });
});

/**
 * Flags the launch files use that another area has yet to add, with the reason; each is listed here
 * only while it is missing (the test says TODO instead of failing the build, and still checks).
 */
const PENDING_FLAGS: Readonly<Record<string, string>> = {};

/** `gail-bridge SUB --help` output, via the real CLI entry (tsx, no build needed). */
async function cliHelp(sub: string): Promise<string> {
  const run = promisify(execFile);
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', sub, '--help'], {
      cwd: ROOT,
      timeout: 60_000,
    });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
}

/** Long flags listed in a commander help text, with `--no-x` also granting `--x` and vice versa. */
function helpFlags(help: string): Set<string> {
  const flags = new Set<string>();
  for (const m of help.matchAll(/(?:^|[\s,])(--[a-z][a-z0-9-]*)/g)) flags.add(m[1]!);
  return flags;
}

describe('launch files: gail-bridge command lines use the real CLI', () => {
  const commands = files.flatMap((f) => gailBridgeCommands(read(f)).map((c) => ({ ...c, file: f })));
  const helps = new Map<string, string>();

  before(async () => {
    const subs = [...new Set(commands.map((c) => c.sub))];
    const texts = await Promise.all(subs.map(cliHelp));
    for (const [i, s] of subs.entries()) helps.set(s, texts[i]!);
  });

  it("run the CLI through this package's bin script, which exists next to the launch folder", () => {
    assert.ok(commands.length >= 4, `expected at least 4 gail-bridge command lines, got ${commands.length}`);
    const executables = files.flatMap((f) =>
      [...walk(parseLaunch(read(f)))]
        .filter((e) => e.tag === 'executable')
        .map((e) => `${f}: ${e.attrs['cmd']}`),
    );
    for (const e of executables)
      assert.ok(e.includes(`: node ${GAIL_BRIDGE_BIN} `), `not run through the bin script: ${e}`);
    assert.ok(existsSync(join(LAUNCH_DIR, GAIL_BRIDGE_BIN.replace('$(dirname)/', ''))));
  });

  it('default file paths are relative to the launch folder and exist', () => {
    for (const f of files)
      for (const el of walk(parseLaunch(read(f)))) {
        const d = el.tag === 'arg' ? el.attrs['default'] : undefined;
        if (d?.startsWith('$(dirname)/'))
          assert.ok(existsSync(join(LAUNCH_DIR, d.replace('$(dirname)/', ''))), `${f}: ${d}`);
      }
  });

  for (const c of commands) {
    it(`${c.file}: ${c.cmd}`, (t) => {
      const help = helps.get(c.sub) ?? '';
      assert.match(
        help,
        new RegExp(`Usage: gail-bridge ${c.sub}\\b`),
        `gail-bridge ${c.sub} is not a command:\n${help}`,
      );
      const known = helpFlags(help);
      const pending = c.flags.filter((f) => !known.has(f) && PENDING_FLAGS[`${c.sub} ${f}`]);
      // Still asserted, reported as TODO with its reason until the flag exists (then it passes plainly).
      if (pending.length > 0) t.todo(pending.map((f) => PENDING_FLAGS[`${c.sub} ${f}`]).join('; '));
      for (const f of c.flags)
        assert.ok(known.has(f), `gail-bridge ${c.sub} has no ${f} (has ${[...known].join(' ')})`);
    });
  }
});
