/**
 * The folder rules of DESIGN ("Imports point downstream or down into core/") and STYLE ("Command code
 * below src/cli"), checked on the source text: the graph of src/ folders built from every import
 * statement (static, dynamic and type-only) has no cycle, and command-line machinery stays in src/cli.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** The src/ folder a file belongs to ("." for files directly in src/). */
function folderOf(file: string): string {
  const rel = relative(SRC, file).split(sep);
  return rel.length > 1 ? rel[0]! : '.';
}

/** Every module specifier of a file: `from '…'`, `import '…'` and `import('…')`. */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm))
    out.push(m[1]!);
  return out;
}

/** One edge per (folder, folder) pair, with an example file-level import for the message. */
export function folderGraph(files: readonly string[]): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of files) {
    const from = folderOf(file);
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(SRC + sep)) continue;
      const to = folderOf(target);
      if (to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      if (!edges.has(to)) edges.set(to, `${relative(SRC, file)} imports ${spec}`);
      graph.set(from, edges);
    }
  }
  return graph;
}

/** The cycles of a graph, one per strongly connected component with more than one node (Tarjan). */
export function cycles(graph: Map<string, Map<string, string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/** The edges inside one component, as "folder → folder (file imports spec)" lines. */
function describe_(graph: Map<string, Map<string, string>>, component: readonly string[]): string {
  const inside = new Set(component);
  const lines: string[] = [];
  for (const from of component)
    for (const [to, example] of graph.get(from) ?? [])
      if (inside.has(to)) lines.push(`  ${from} → ${to} (${example})`);
  return `${component.join(' ↔ ')}:\n${lines.join('\n')}`;
}

describe('src folder imports', () => {
  const files = sourceFiles(SRC);

  it('finds the imports of a file, static, dynamic and type-only', () => {
    assert.deepEqual(
      specifiers(
        "import { a } from '../x/a.js';\nimport type { B } from './b.js';\nexport { c } from '../c/c.js';\nimport '../side.js';\nconst m = await import('../gail/run.js');",
      ),
      ['../x/a.js', './b.js', '../c/c.js', '../side.js', '../gail/run.js'],
    );
    assert.deepEqual(
      cycles(
        new Map([
          ['a', new Map([['b', '']])],
          ['b', new Map([['a', '']])],
          ['c', new Map([['a', '']])],
        ]),
      ),
      [['a', 'b']],
    );
  });

  it('has no cycle between folders', () => {
    const graph = folderGraph(files);
    const found = cycles(graph);
    assert.equal(
      found.length,
      0,
      `import cycles between src/ folders:\n${found.map((c) => describe_(graph, c)).join('\n')}`,
    );
  });

  it('has one atomic writer: no rename outside src/data/atomic-file.ts (src/ and bench/)', () => {
    const bench = fileURLToPath(new URL('../../bench', import.meta.url));
    const offenders = [...files, ...sourceFiles(bench)]
      .filter((f) => !f.endsWith(join('data', 'atomic-file.ts')))
      .filter((f) => /\brename(Sync)?\s*\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    assert.deepEqual(offenders, []);
  });

  it('keeps commander, cli-progress and process signals in src/cli', () => {
    const offenders: string[] = [];
    for (const file of files) {
      if (folderOf(file) === 'cli') continue;
      const text = readFileSync(file, 'utf8');
      for (const spec of specifiers(text))
        if (spec === 'commander' || spec === 'cli-progress')
          offenders.push(`${relative(SRC, file)}: imports ${spec}`);
      if (/process\.(on|once|off|exit)\s*\(/.test(text))
        offenders.push(`${relative(SRC, file)}: handles process signals or exits`);
    }
    assert.deepEqual(offenders, []);
  });
});
