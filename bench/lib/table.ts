/**
 * Rendering a `BenchResult` for people: a plain-text table for the terminal, or a Markdown table for
 * the README's results section. Numbers are formatted by their column's `Format`; a cell held to a
 * target gets "met" or "missed" after it.
 */
import { describeMachine } from './machine.js';
import type { BenchResult, CellValue, Format, Target } from './report.js';

/** Shows a number with `digits` significant digits and a k/M suffix: 41234 → "41.2 k". */
export function formatRate(value: number, digits = 3): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${toSignificant(value / 1e6, digits)} M`;
  if (abs >= 1e3) return `${toSignificant(value / 1e3, digits)} k`;
  return toSignificant(value, digits);
}

/** `digits` significant digits without exponent notation or trailing zeros lost (12.0, 0.500). */
function toSignificant(value: number, digits: number): string {
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return value.toFixed(decimals);
}

/** Shows one cell by its column's format; null and undefined (not measured) show as "n/a". */
export function formatCell(value: CellValue | undefined, format: Format): string {
  if (value === null || value === undefined) return 'n/a';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  switch (format) {
    case 'rate':
      return formatRate(value);
    case 'ratio':
      return `${value.toFixed(2)}×`;
    case 'percent': {
      const pct = value * 100;
      return `${pct > 0 ? '+' : ''}${pct.toFixed(1)}%`;
    }
    case 'seconds':
      if (Math.abs(value) >= 1) return `${value.toFixed(2)} s`;
      if (Math.abs(value) >= 1e-3) return `${(value * 1e3).toFixed(2)} ms`;
      return `${(value * 1e6).toFixed(1)} µs`;
    case 'count':
      return String(Math.round(value));
    case 'decimal':
      return value.toFixed(2);
    case 'text':
      return String(value);
  }
}

/** "met" / "missed" / "" (not measured) for one row of one target. */
function mark(target: Target, row: string): string {
  const met = target.outcomes.find((o) => o.row === row)?.met;
  if (met === true) return 'met';
  if (met === false) return 'missed';
  return '';
}

/** The formatted cells of the table, header first, with target marks appended. */
export function tableCells(result: BenchResult): string[][] {
  const header = result.columns.map((c) => c.title);
  const body = result.rows.map((row) =>
    result.columns.map((col) => {
      const text = formatCell(row.cells[col.key], col.format);
      const marks = result.targets
        .filter((t) => t.column === col.key)
        .map((t) => mark(t, row.key))
        .filter((m) => m !== '');
      return marks.length > 0 ? `${text} ${marks.join(' ')}` : text;
    }),
  );
  return [header, ...body];
}

/** Aligned plain-text table: first column left-aligned, the others right-aligned. */
export function renderPlainTable(cells: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const line of cells) {
    line.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...c].length);
    });
  }
  const pad = (c: string, i: number): string => {
    const fill = ' '.repeat(widths[i]! - [...c].length);
    return i === 0 ? c + fill : fill + c;
  };
  const lines = cells.map((line) => line.map(pad).join('  '));
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [lines[0] ?? '', rule, ...lines.slice(1)].join('\n');
}

/** GitHub Markdown table with the same alignment as the plain one. */
export function renderMarkdownTable(cells: readonly (readonly string[])[]): string {
  const esc = (c: string): string => c.replaceAll('|', '\\|');
  const header = cells[0] ?? [];
  const align = header.map((_, i) => (i === 0 ? ':---' : '---:'));
  return [header, align, ...cells.slice(1)].map((line) => `| ${line.map(esc).join(' | ')} |`).join('\n');
}

/** The whole human report: title, machine, table, targets, what was measured, notes, command. */
export function renderResult(result: BenchResult, style: 'plain' | 'markdown' = 'plain'): string {
  const cells = tableCells(result);
  const table = style === 'markdown' ? renderMarkdownTable(cells) : renderPlainTable(cells);
  const bullet = style === 'markdown' ? '- ' : '  ';
  const targets = result.targets.map((t) => {
    const outcomes = t.outcomes.map(
      (o) => `${o.row} ${o.met === null ? 'not measured' : o.met ? 'met' : 'missed'}`,
    );
    return `${bullet}${t.description}: ${outcomes.join(', ')}`;
  });
  const parts = [
    `${result.title}`,
    `${describeMachine(result.machine)}; ${result.machine.backend}`,
    '',
    table,
    '',
  ];
  if (targets.length > 0) parts.push('Targets:', ...targets, '');
  parts.push('Measured:', ...result.measured.map((m) => `${bullet}${m}`));
  if (result.notes.length > 0) parts.push('', 'Notes:', ...result.notes.map((n) => `${bullet}${n}`));
  parts.push('', `Command: ${result.command} (${result.date}, ${result.durationS.toFixed(0)} s)`);
  return parts.join('\n');
}
