/**
 * YAML configuration loading, shared by every config kind (robots, tasks, training presets): parse, validate
 * with a zod schema, and on failure throw one `config` error that names the file, each bad field's path and
 * its line, so the user can fix the file without reading the schema.
 */
import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { GailBridgeError } from '../core/errors.js';

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
 * Parses `text` (the contents of `file`) as YAML and validates it against `schema`. Every problem is listed
 * as "file:line: field.path: message"; YAML syntax errors and duplicate keys are reported the same way.
 */
export function parseYamlConfig<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const at = e.pos?.[0] !== undefined ? lineCounter.linePos(e.pos[0]).line : undefined;
      return `${file}${at !== undefined ? `:${at}` : ''}: ${e.message.split('\n')[0]}`;
    });
    throw new GailBridgeError('config', `invalid YAML:\n  - ${lines.join('\n  - ')}`);
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.flatMap((issue) => {
    // An unknown key is reported at the key itself (a typo's line), not at its parent object.
    const located: [readonly PropertyKey[], string][] =
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((k) => [[...issue.path, k], 'unknown field (misspelt, or not valid here)'])
        : [[issue.path, issue.message]];
    return located.map(([path, message]) => {
      const line = lineOf(doc, lineCounter, path);
      return `${file}${line !== undefined ? `:${line}` : ''}: ${formatPath(path)}: ${message}`;
    });
  });
  throw new GailBridgeError(
    'config',
    `invalid config (${lines.length} problem${lines.length === 1 ? '' : 's'}):\n  - ${lines.join('\n  - ')}`,
  );
}

/** Reads and validates a YAML config file; a missing or unreadable file is a `config` error naming it. */
export function loadYamlConfig<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(err);
    throw new GailBridgeError('config', `cannot read config ${file}: ${reason}`, { cause: err });
  }
  return parseYamlConfig(text, file, schema);
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
