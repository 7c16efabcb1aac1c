import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { SCHEMA_FILE, listTemplates } from '../../src/cli/commands/init.js';
import { captureIo } from '../workload/captureIo.js';

const TEMPLATES = ['batch-summarization', 'chatbot', 'code-completion', 'hybrid-api', 'rag'];
const temp = () => mkdtempSync(join(tmpdir(), 'capsim-init-'));

describe('capsim init', () => {
  it('lists the templates with what each is', async () => {
    const io = captureIo();
    expect(await main(['init', '--list'], io)).toBe(0);
    const lines = io.stdout().trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(TEMPLATES);
    expect(lines.find((l) => l.startsWith('rag'))).toMatch(/rag\s+RAG: question answering/);
  });

  it.each(TEMPLATES)('%s: writes a starter that validates and runs as is', async (name) => {
    const file = join(temp(), 'sub', `${name}.yaml`);
    const io = captureIo();
    expect(await main(['init', name, '--out', file], io)).toBe(0);
    expect(io.stdout()).toContain(`wrote ${file} from template ${name}`);
    const text = readFileSync(file, 'utf8');
    // The schema line points at the installed schema, relative to where the file was written.
    const schemaPath = /^# yaml-language-server: \$schema=(.+)$/m.exec(text.split('\n')[0])?.[1] ?? '';
    expect(resolve(dirname(file), schemaPath)).toBe(SCHEMA_FILE);
    const check = captureIo();
    expect(await main(['validate', file], check), check.stderr()).toBe(0);
    const run = captureIo();
    expect(await main(['run', file, '--set', 'duration=10m', '--out', join(dirname(file), 'out'), '--quiet'], run), run.stderr()).toBe(0);
    expect(existsSync(join(dirname(file), 'out', 'summary.json'))).toBe(true);
  });

  it('writes chatbot.yaml in the current folder by default', async () => {
    const dir = temp();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(await main(['init'], captureIo())).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    expect(readdirSync(dir)).toEqual(['chatbot.yaml']);
  });

  it('never overwrites a file without --force (exit 2), and does with it', async () => {
    const file = join(temp(), 'mine.yaml');
    writeFileSync(file, 'precious: true\n');
    const io = captureIo();
    expect(await main(['init', 'rag', '--out', file], io)).toBe(2);
    expect(io.stderr()).toBe(`capsim: ${file}: already exists; use --force to overwrite it, or --out FILE to write elsewhere\n`);
    expect(readFileSync(file, 'utf8')).toBe('precious: true\n');
    expect(await main(['init', 'rag', '--out', file, '--force'], captureIo())).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('name: my-rag');
  });

  it('exits 2 for an unknown template, suggesting the closest', async () => {
    const io = captureIo();
    expect(await main(['init', 'ragg', '--out', join(temp(), 'x.yaml')], io)).toBe(2);
    expect(io.stderr()).toContain("unknown template 'ragg' (did you mean `rag`?)");
  });
});

describe('editor support', () => {
  const bundled = readdirSync('workloads').filter((f) => f.endsWith('.yaml')).map((f) => [`workloads/${f}`, './workload.schema.json']);
  const templates = listTemplates().map((t) => [`workloads/templates/${t.name}.yaml`, '../workload.schema.json']);

  it.each([...bundled, ...templates])('%s starts with the yaml-language-server schema line', (file, path) => {
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe(`# yaml-language-server: $schema=${path}`);
    expect(existsSync(resolve(dirname(file), path))).toBe(true);
  });

  it('every template has a one-line description', () => {
    for (const t of listTemplates()) expect(t.description.length).toBeGreaterThan(20);
  });
});
