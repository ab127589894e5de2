/**
 * YAML configuration loading, shared by every YAML file gail-bridge reads (robot and task configs, a bag's
 * metadata.yaml): read with a size cap, parse with alias expansion capped, validate with a zod schema, and
 * on failure throw one error that names the file, each bad field's path and its line, so the user can fix
 * the file without reading the schema.
 *
 * Untrusted input (specs/failure-cases.md): a file over `MAX_CONFIG_BYTES` is refused before it is read
 * whole, aliases may expand to at most `MAX_ALIAS_NODES` nodes ("billion laughs"), and at most
 * `MAX_REPORTED_PROBLEMS` problems of at most `MAX_PROBLEM_CHARS` characters are reported, so a garbage
 * file costs a few lines of error text, not megabytes.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type ErrorCode, fileReadError, GailBridgeError } from '../core/errors.js';

/** Largest YAML file read, bytes (1 MiB: the largest shipped config is a few KiB). */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Most nodes that aliases may expand to (the `yaml` package's `maxAliasCount`). */
export const MAX_ALIAS_NODES = 100;
/** Most problems listed in one error; the rest are counted. */
export const MAX_REPORTED_PROBLEMS = 20;
/** Longest problem line reported, characters; longer ones are cut. */
export const MAX_PROBLEM_CHARS = 200;

/** Where the YAML came from, for messages and the error code. */
export interface YamlFileOptions {
  /** Names the file in messages ("config", "bag metadata"). Default "config". */
  readonly what?: string;
  /** Error code of every failure. Default `config`. */
  readonly code?: ErrorCode;
}

/** "a.b[2].c" from a zod/yaml path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(top level)' : out;
}

/**
 * "  - a\n  - b" of the first `MAX_REPORTED_PROBLEMS` of `count` problems (`line(i)` makes problem i, so
 * the rest are never formatted), each cut to `MAX_PROBLEM_CHARS`, then "… and K more".
 */
export function problemList(count: number, line: (i: number) => string): string {
  const shown: string[] = [];
  for (let i = 0; i < Math.min(count, MAX_REPORTED_PROBLEMS); i++) {
    const l = line(i);
    shown.push(l.length > MAX_PROBLEM_CHARS ? `${l.slice(0, MAX_PROBLEM_CHARS)}… (cut)` : l);
  }
  if (count > MAX_REPORTED_PROBLEMS) shown.push(`… and ${count - MAX_REPORTED_PROBLEMS} more`);
  return `  - ${shown.join('\n  - ')}`;
}

/**
 * Parses `text` (the contents of `file`) as YAML and validates it against `schema`. Every problem is listed
 * as "file:line: field.path: message"; YAML syntax errors and duplicate keys are reported the same way.
 */
export function parseYamlConfig<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  options: YamlFileOptions = {},
): z.output<S> {
  const code = options.code ?? 'config';
  const lineCounter = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  let data: unknown;
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length > 0) {
      const errors = doc.errors;
      throw new GailBridgeError(
        code,
        `invalid YAML:\n${problemList(errors.length, (i) => {
          const e = errors[i]!;
          const at = e.pos?.[0] !== undefined ? lineCounter.linePos(e.pos[0]).line : undefined;
          return `${file}${at !== undefined ? `:${at}` : ''}: ${e.message.split('\n')[0]}`;
        })}`,
      );
    }
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_NODES });
  } catch (err) {
    if (err instanceof GailBridgeError) throw err;
    // The yaml package throws a ReferenceError past maxAliasCount, and deep nesting overflows the stack.
    if (err instanceof ReferenceError && /alias/i.test(err.message))
      throw new GailBridgeError(
        code,
        `${file}: its aliases (*name) expand to more than ${MAX_ALIAS_NODES} nodes, which a configuration ` +
          'never needs (a YAML "billion laughs" file?); write the values out or use fewer aliases',
        { cause: err },
      );
    if (err instanceof RangeError)
      throw new GailBridgeError(code, `${file}: nested too deeply to be a configuration`, { cause: err });
    throw err;
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  // An unknown key is reported at the key itself (a typo's line), not at its parent object.
  const located: [readonly PropertyKey[], string][] = parsed.error.issues.flatMap(
    (issue): [readonly PropertyKey[], string][] =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((k) => [[...issue.path, k], 'unknown field (misspelt, or not valid here)'])
        : [[issue.path, issue.message]],
  );
  throw new GailBridgeError(
    code,
    `invalid ${options.what ?? 'config'} (${located.length} problem${located.length === 1 ? '' : 's'}):\n` +
      problemList(located.length, (i) => {
        const [path, message] = located[i]!;
        const line = lineOf(doc, lineCounter, path);
        return `${file}${line !== undefined ? `:${line}` : ''}: ${formatPath(path)}: ${message}`;
      }),
  );
}

/** "50.0 GiB", "2.0 MiB", "3.1 KiB", "12 bytes". */
function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/**
 * Reads a text file of at most `maxBytes` (default `MAX_CONFIG_BYTES`). A directory, a missing file or a
 * larger file is an error naming it; the size is checked before reading, and the read stops at
 * `maxBytes + 1` bytes whatever the size claims (a device or a pipe says 0).
 */
export function readCappedText(
  file: string,
  options: YamlFileOptions & { readonly maxBytes?: number } = {},
): string {
  const what = options.what ?? 'config';
  const code = options.code ?? 'config';
  const maxBytes = options.maxBytes ?? MAX_CONFIG_BYTES;
  const tooBig = (size: string): GailBridgeError =>
    new GailBridgeError(
      code,
      `${what} ${file} is ${size}, over the ${formatBytes(maxBytes).replace('.0 ', ' ')} a ${what} file may have; is it the right file?`,
    );
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw fileReadError(what, file, err, code);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw fileReadError(what, file, { code: 'EISDIR' }, code);
    if (st.size > maxBytes) throw tooBig(formatBytes(st.size));
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    for (;;) {
      let got: number;
      try {
        got = readSync(fd, buf, n, buf.byteLength - n, null);
      } catch (err) {
        throw fileReadError(what, file, err, code);
      }
      if (got === 0) break;
      n += got;
      if (n > maxBytes) throw tooBig(`more than ${formatBytes(maxBytes)}`);
    }
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads and validates a YAML file (see `readCappedText` and `parseYamlConfig`): the one way gail-bridge
 * loads YAML. A missing, unreadable or oversized file is an error naming it.
 */
export function loadYamlConfig<S extends z.ZodType>(
  file: string,
  schema: S,
  options: YamlFileOptions = {},
): z.output<S> {
  return parseYamlConfig(readCappedText(file, options), file, schema, options);
}

/** Line (1-based) of the deepest node of `path` that exists in the document, for error messages. */
function lineOf(
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
): number | undefined {
  let node: unknown = doc.contents;
  let line: number | undefined = rangeLine(node, lineCounter);
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => {
        const k = p.key as { value?: unknown } | null;
        return k !== null && typeof k === 'object' && k.value === key;
      });
      if (!pair) break;
      line = rangeLine(pair.key, lineCounter) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      if (node === undefined) break;
      line = rangeLine(node, lineCounter) ?? line;
    } else break;
  }
  return line;
}

function rangeLine(node: unknown, lineCounter: LineCounter): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? lineCounter.linePos(range[0]).line : undefined;
}
