import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/context.js';
import { BROKEN_WORKLOADS } from './brokenWorkloads.js';

/**
 * The same broken workloads as the validate tests, through `capsim run`: each exits 2 with one
 * message naming the file, and writes no output file at all.
 */
describe('capsim run on broken workloads', () => {
  it.each(BROKEN_WORKLOADS.map((c) => [c.name, c] as const))('%s: exit 2, one message, no output files', async (_name, c) => {
    const dir = mkdtempSync(join(tmpdir(), 'capsim-bad-'));
    const file = join(dir, `workload.${c.ext ?? 'yaml'}`);
    writeFileSync(file, c.yaml);
    const out = join(dir, 'out');
    let stderr = '';
    let stdout = '';
    const io: Io = { out: (s) => (stdout += s), err: (s) => (stderr += s), errIsTty: false };
    const args = ['run', file, '--out', out, ...(c.set ?? []).flatMap((s) => ['--set', s])];
    const code = await main(args, io);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.startsWith('capsim: ')).toBe(true);
    expect(stderr.match(/^capsim: /gm)?.length).toBe(1);
    expect(stderr).toContain(c.expect);
    if (!c.inFlags) expect(stderr).toContain(file);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });
});
