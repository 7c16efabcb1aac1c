import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/context.js';
import { AZURE_CODE, fixture, MOONCAKE_CONV, VIDUR_ARXIV } from './helpers.js';

function capture(): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    errIsTty: false,
    out(text: string) {
      io.stdout += text;
    },
    err(text: string) {
      io.stderr += text;
    },
  };
  return io;
}

describe('capsim trace stats', () => {
  it('prints a readable table, format inferred from the header', async () => {
    const io = capture();
    expect(await main(['trace', 'stats', AZURE_CODE], io)).toBe(0);
    expect(io.stdout).toMatch(/\(azure\)/);
    expect(io.stdout).toMatch(/rows\s+8,819 replayable, 0 skipped/);
    expect(io.stdout).toMatch(/2023-11-16T18:17:03\.979Z/);
    expect(io.stdout).toMatch(/prompt\s+2,047\.8\s+1,469/);
    expect(io.stderr).toBe('');
  });

  it('--json prints the statistics object; .jsonl means mooncake', async () => {
    const io = capture();
    expect(await main(['trace', 'stats', MOONCAKE_CONV, '--json'], io)).toBe(0);
    const s = JSON.parse(io.stdout);
    expect(s).toMatchObject({ format: 'mooncake', rows: 12_031, hasTimes: true });
    expect(s.prefixReuse).toBeCloseTo(0.366, 3);
  });

  it('length-only files say so', async () => {
    const io = capture();
    expect(await main(['trace', 'stats', VIDUR_ARXIV], io)).toBe(0);
    expect(io.stdout).toMatch(/times\s+none: lengths only/);
  });

  it('burstgpt: classes by Model and failed requests', async () => {
    const io = capture();
    expect(await main(['trace', 'stats', fixture('burstgpt_sample.csv')], io)).toBe(0);
    expect(io.stdout).toMatch(/52 replayable, 8 skipped \(0 bad, 8 failed\)/);
    expect(io.stdout).toMatch(/classes\s+ChatGPT \d+/);
  });

  it('--format csv with a column mapping', async () => {
    const io = capture();
    const args = ['trace', 'stats', fixture('user_quoted.csv'), '--format', 'csv', '--time-column', 'arrival_ms', '--time-unit', 'ms'];
    expect(await main([...args, '--prompt-column', 'prompt, tokens', '--output-column', 'output', '--json'], io)).toBe(0);
    expect(JSON.parse(io.stdout)).toMatchObject({ rows: 5, spanS: 1.5005 });
  });

  it('--skip-bad-rows skips and counts; without it the bad row stops the command', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'capsim-cli-trace-'));
    try {
      const file = path.join(dir, 'bad.csv');
      writeFileSync(file, 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:00:00,5,5\n2023-11-16 18:00:01,x,5\n2023-11-16 18:00:02,5,5\n');
      const strict = capture();
      expect(await main(['trace', 'stats', file], strict)).toBe(2);
      expect(strict.stderr).toMatch(/bad\.csv:3: column "ContextTokens"/);
      const lenient = capture();
      expect(await main(['trace', 'stats', file, '--skip-bad-rows'], lenient)).toBe(0);
      expect(lenient.stdout).toMatch(/2 replayable, 1 skipped \(1 bad, 0 failed\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('input mistakes exit 2 with one line, no stack', async () => {
    const missing = capture();
    expect(await main(['trace', 'stats', '/no/such/trace.csv'], missing)).toBe(2);
    expect(missing.stderr).toMatch(/^capsim: \/no\/such\/trace\.csv: file not found/);
    expect(missing.stderr).not.toMatch(/at .*\.ts/);

    const unknown = capture();
    expect(await main(['trace', 'stats', fixture('user_quoted.csv')], unknown)).toBe(2);
    expect(unknown.stderr).toMatch(/cannot tell the trace format/);

    const badFlag = capture();
    expect(await main(['trace', 'stats', AZURE_CODE, '--format', 'parquet'], badFlag)).toBe(2);

    const noColumns = capture();
    expect(await main(['trace', 'stats', AZURE_CODE, '--format', 'csv'], noColumns)).toBe(2);
    expect(noColumns.stderr).toMatch(/--time-column/);
  });
});
