/**
 * Sample outputs in README.md and docs/*.md are what their commands print: each is marked by an HTML
 * comment naming the command, right before its fenced block,
 *
 *   <!-- sample: gail-bridge inspect demos/hopper.mcap -->
 *   ```
 *   …what it prints…
 *   ```
 *
 * and `npm run docs:samples` runs every command and writes its output into the block
 * (`-- --check` compares instead and exits 1 on a difference). Options before the colon:
 *   vary      numbers differ from run to run (timings): the check compares the text with digits masked;
 *   slow      too slow for the test suite: only this script runs it (test/docs checks the fast ones);
 *   head=N    keep the first N lines (then `...`);  tail=N  keep the last N lines (after `...`).
 * `gail-bridge ARGS` runs the CLI from source (tsx src/cli/main.ts ARGS); `npm start` runs the README's
 * main command. Commands run in the repository root, so paths in them are the repository's.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** One marked sample: where it is, its command and options, and the block's current text. */
export interface Sample {
  readonly file: string;
  readonly command: string;
  readonly vary: boolean;
  readonly slow: boolean;
  readonly head: number | undefined;
  readonly tail: number | undefined;
  /** The block's text (without the fences) as the file has it. */
  readonly text: string;
  /** Character offsets of the block's text in the file. */
  readonly start: number;
  readonly end: number;
}

const MARKER = /^<!-- sample(?:\(([^)]*)\))?: (.+?) -->\n```[a-z]*\n([\s\S]*?)```/gm;

/** The markdown files that may hold samples: README.md and docs/*.md. */
export function docFiles(): string[] {
  return [
    join(ROOT, 'README.md'),
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => join(ROOT, 'docs', f)),
  ];
}

/** The samples of one markdown text. */
export function findSamples(file: string, text: string): Sample[] {
  const out: Sample[] = [];
  for (const m of text.matchAll(MARKER)) {
    const opts = (m[1] ?? '').split(',').map((o) => o.trim());
    const num = (key: string): number | undefined => {
      const o = opts.find((x) => x.startsWith(`${key}=`));
      return o === undefined ? undefined : Number(o.slice(key.length + 1));
    };
    const body = m[3]!;
    const start = m.index! + m[0].length - 3 - body.length;
    out.push({
      file,
      command: m[2]!,
      vary: opts.includes('vary'),
      slow: opts.includes('slow'),
      head: num('head'),
      tail: num('tail'),
      text: body,
      start,
      end: start + body.length,
    });
  }
  return out;
}

/** Splits a command line on spaces, keeping "quoted" words whole. */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** Runs a sample's command; resolves with stdout and stderr interleaved as they came. */
export function runCommandOutput(command: string): Promise<string> {
  const argv = words(command);
  let cmd: string;
  let args: string[];
  if (argv[0] === 'gail-bridge' || (argv[0] === 'npx' && argv[1] === 'gail-bridge')) {
    cmd = process.execPath;
    args = ['--import', 'tsx', 'src/cli/main.ts', ...argv.slice(argv[0] === 'npx' ? 2 : 1)];
  } else if (argv[0] === 'npm') {
    cmd = 'npm';
    args = ['--silent', ...argv.slice(1)];
  } else throw new Error(`sample command must start with gail-bridge or npm: ${command}`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('close', () => resolvePromise(out));
  });
}

/** The block text for `output` under the sample's head/tail options (ends with a newline). */
export function shape(sample: Pick<Sample, 'head' | 'tail'>, output: string): string {
  const lines = output.replace(/\n+$/, '').split('\n');
  const { head, tail } = sample;
  if ((head ?? 0) + (tail ?? 0) > 0 && lines.length > (head ?? 0) + (tail ?? 0)) {
    const kept = [...lines.slice(0, head ?? 0), '...', ...(tail ? lines.slice(-tail) : [])];
    return `${kept.join('\n')}\n`;
  }
  return `${lines.join('\n')}\n`;
}

/** What a check compares: the text, with digits masked for `vary` samples. */
export function comparable(sample: Pick<Sample, 'vary'>, text: string): string {
  return sample.vary ? text.replace(/[0-9]+/g, '#') : text;
}

async function main(args: readonly string[]): Promise<void> {
  const check = args.includes('--check');
  const includeSlow = !args.includes('--fast');
  let differences = 0;
  for (const file of docFiles()) {
    let text = readFileSync(file, 'utf8');
    const samples = findSamples(file, text).filter((s) => includeSlow || !s.slow);
    // In document order (a later sample may read what an earlier one wrote); `shift` keeps the offsets
    // of later samples right after an earlier block changed length.
    let shift = 0;
    for (const s of samples) {
      process.stderr.write(`docs:samples: ${relative(ROOT, file)}: ${s.command}\n`);
      const block = shape(s, await runCommandOutput(s.command));
      if (check) {
        if (comparable(s, block) !== comparable(s, s.text)) {
          differences++;
          process.stderr.write(`  differs; it now prints:\n${block}\n`);
        }
      } else {
        text = text.slice(0, s.start + shift) + block + text.slice(s.end + shift);
        shift += block.length - s.text.length;
      }
    }
    if (!check) writeFileSync(file, text);
  }
  if (check && differences > 0) {
    process.stderr.write(`docs:samples: ${differences} sample(s) differ; run npm run docs:samples\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
