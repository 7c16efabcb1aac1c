/**
 * docs/cli.md is the command-line contract: every command and flag that `--help` shows, and every
 * column of every CSV that `capsim run` (and `sweep`/`plan`) writes, is described there.
 *
 * Reference: the CLI itself. Commands and flags are read from `capsim --help` and each command's
 * `--help` (subcommands too); run columns from the header lines of the CSVs a real run writes.
 * A flag counts as documented when its command's section (`## \`capsim <command> ...`) has it in
 * backticks; a column when the section of the command that writes it has it in backticks. The
 * failure lists every missing item and where to add it.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/context.js';
import { sweepColumns } from '../../src/sweep/sweepCsv.js';
import { SCHEDULE_COLUMNS } from '../../src/sweep/planEconomics.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const DOC = 'docs/cli.md';
const doc = readFileSync(path.join(repoRoot, DOC), 'utf8');

async function help(args: string[]): Promise<string> {
  let out = '';
  const io: Io = { out: (s) => (out += s), err: (s) => (out += s), errIsTty: false };
  expect(await main([...args, '--help'], io)).toBe(0);
  return out;
}

/** The lines of a `Heading:` block of commander's help (indented lines until a blank line). */
function block(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`${heading}:`);
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    out.push(line);
  }
  return out;
}

/** Long flags declared in an Options block (first token(s) of each option line). */
const flagsOf = (text: string): string[] =>
  block(text, 'Options')
    .map((l) => /^\s{2}(?:-\w, )?(--[a-z0-9-]+)/.exec(l)?.[1])
    .filter((f): f is string => f !== undefined);

/** Subcommand names declared in a Commands block. */
const commandsOf = (text: string): string[] =>
  block(text, 'Commands')
    .map((l) => /^\s{2}([a-z][a-z0-9-]*)/.exec(l)?.[1])
    .filter((c): c is string => c !== undefined && c !== 'help');

/** The section of docs/cli.md whose heading starts with `capsim <command>`. */
function section(command: string): string | null {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`## \`capsim ${command}`) && /[`\s[<]/.test(l.charAt(`## \`capsim ${command}`.length)));
  if (start < 0) return null;
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

const inBackticks = (text: string, name: string) => new RegExp('`' + name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '[`\\s<]').test(text);

describe('docs/cli.md', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'capsim-clidoc-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('has a section for every command, and every flag of its --help in that section', async () => {
    const missing: string[] = [];
    const top = await help([]);
    for (const flag of flagsOf(top)) if (!inBackticks(doc, flag)) missing.push(`${flag} (from \`capsim --help\`): anywhere in ${DOC}`);
    const queue = commandsOf(top).map((c) => [c]);
    expect(queue.map((c) => c[0])).toContain('run');
    let checked = 0;
    while (queue.length > 0) {
      const words = queue.shift()!;
      const text = await help(words);
      const subcommands = commandsOf(text);
      for (const sub of subcommands) queue.push([...words, sub]);
      if (subcommands.length > 0) continue; // a group like `trace`: its subcommands have the sections
      const name = words.join(' ');
      const body = section(name);
      if (body === null) {
        missing.push(`a section headed "## \`capsim ${name} ...\`" for the command \`capsim ${name}\``);
        continue;
      }
      for (const flag of flagsOf(text)) {
        if (flag === '--help') continue;
        checked++;
        if (!inBackticks(body, flag)) missing.push(`${flag} (from \`capsim ${name} --help\`): in the section "capsim ${name}"`);
      }
    }
    expect(checked).toBeGreaterThan(40);
    expect(missing, `${DOC} does not describe:\n  ${missing.join('\n  ')}\n`).toEqual([]);
  });

  it('describes every column of every CSV that capsim run writes', async () => {
    const out = path.join(tmp, 'run');
    const io: Io = { out: () => {}, err: () => {}, errIsTty: false };
    expect(await main(['run', '--set', 'duration=10m', '--quiet', '--out', out], io)).toBe(0);
    const csvs = readdirSync(out).filter((f) => f.endsWith('.csv')).sort();
    expect(csvs).toEqual(['hourly.csv', 'hourly_by_class.csv']);
    const body = section('run') ?? '';
    const missing: string[] = [];
    for (const file of readdirSync(out).sort()) {
      if (!inBackticks(body, file)) missing.push(`the file ${file}: in the section "capsim run"`);
    }
    for (const file of csvs) {
      const header = readFileSync(path.join(out, file), 'utf8').split('\n')[0]!.split(',');
      expect(header.length).toBeGreaterThan(20);
      for (const column of header) if (!inBackticks(body, column)) missing.push(`column ${column} of ${file}: in the section "capsim run"`);
    }
    expect(missing, `${DOC} does not describe:\n  ${missing.join('\n  ')}\n`).toEqual([]);
  });

  it('shows the error shape capsim prints: its examples are what capsim prints', async () => {
    // Reference: capsim validate itself. A workload with an invalid value on line 7, and a valid
    // one given an invalid value by --set; each first stderr line, with the temporary folder
    // taken out of the file name, must appear in backticks in the exit-code table.
    const workload = (outputTokens: number) =>
      `name: chat\ntraffic:\n  rate: 10\nclasses:\n  - name: chat\n    prompt_tokens: 500\n    output_tokens: ${outputTokens}\nfleet:\n  gpus: 2\n`;
    const firstError = async (name: string, outputTokens: number, args: string[]): Promise<string> => {
      const folder = path.join(tmp, name);
      mkdirSync(folder);
      writeFileSync(path.join(folder, 'chat.yaml'), workload(outputTokens));
      let err = '';
      const io: Io = { out: () => {}, err: (s) => (err += s), errIsTty: false };
      expect(await main(['validate', path.join(folder, 'chat.yaml'), ...args], io)).toBe(2);
      return err.split('\n')[0]!.replace(`${folder}${path.sep}`, '');
    };
    const row = doc.split('\n').find((l) => l.startsWith('| 2 |')) ?? '';
    expect(row).toContain('`capsim: <file>:<line>: <key path>: <what was expected>`');
    for (const line of [await firstError('err-line', -100, []), await firstError('err-set', 100, ['--set', 'fleet.gpus=-1'])]) {
      expect(row, `${DOC}'s exit-code table should show \`${line}\``).toContain(`\`${line}\``);
    }
  });

  it('describes every column of sweep.csv, plan.csv and plan_schedule.csv', () => {
    const sweep = sweepColumns([{ key: 'fleet.gpus', values: [1] }], true).filter((c) => c !== 'fleet.gpus');
    const missing: string[] = [];
    const body = section('sweep') ?? '';
    const ciRow = body.split('\n').find((l) => l.includes('`<figure>_ci95`')) ?? '';
    for (const column of sweep) {
      // `_ci95` columns are described together in the `<figure>_ci95` row, which names each figure.
      if (column.endsWith('_ci95')) {
        if (!inBackticks(ciRow, column.slice(0, -5))) missing.push(`column ${column} of sweep.csv: its figure in the \`<figure>_ci95\` row of the section "capsim sweep"`);
      } else if (!inBackticks(body, column)) missing.push(`column ${column} of sweep.csv: in the section "capsim sweep"`);
    }
    const plan = section('plan') ?? '';
    for (const column of ['chosen', ...SCHEDULE_COLUMNS]) if (!inBackticks(plan, column)) missing.push(`column ${column} of plan.csv/plan_schedule.csv: in the section "capsim plan"`);
    expect(missing, `${DOC} does not describe:\n  ${missing.join('\n  ')}\n`).toEqual([]);
  });
});
