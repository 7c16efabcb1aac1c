import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { BROKEN_WORKLOADS } from './brokenWorkloads.js';
import { captureIo } from './captureIo.js';

const dir = mkdtempSync(join(tmpdir(), 'capsim-broken-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('capsim validate on a broken workload', () => {
  it('has a table of at least 30 cases', () => {
    expect(BROKEN_WORKLOADS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(BROKEN_WORKLOADS.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const folder = join(dir, String(i));
    const file = join(folder, `workload.${c.ext ?? 'yaml'}`);
    mkdirSync(folder);
    writeFileSync(file, c.yaml);
    const io = captureIo();
    const code = await main(['validate', file, ...(c.set ?? []).flatMap((s) => ['--set', s])], io);
    const err = io.stderr();

    expect(code, err).toBe(2);
    expect(io.stdout()).toBe('');
    expect(err.match(/capsim:/g)?.length, err).toBe(1);
    expect(err).not.toContain('    at ');
    expect(err).toContain(c.expect);

    const lines = err.replace(/^capsim: /, '').trimEnd().split('\n');
    if (c.lines !== undefined) expect(lines.length, err).toBe(c.lines);
    for (const line of lines) {
      if (!line.startsWith('--set')) expect(line.startsWith(file), line).toBe(true);
    }
    const where = c.inFlags ? '' : `${file}${c.line === null ? '' : `:${c.line}`}: `;
    const named = `${where}${c.path ? `${c.path}: ` : ''}`;
    const hit = lines.find((line) => line.includes(c.expect));
    expect(hit, err).toBeDefined();
    expect(hit!.startsWith(named), `expected '${named}...' in\n${err}`).toBe(true);
  });
});
