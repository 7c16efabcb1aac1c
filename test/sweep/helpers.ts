import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../workload/captureIo.js';

/** 30 minutes at 40/s, perf block: ~0.2 s a point; misses on 1-2 GPUs, meets from 3. */
export const SMALL = fileURLToPath(new URL('./fixtures/small.yaml', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/capsim.js', import.meta.url));

export const tempDir = () => mkdtempSync(join(tmpdir(), 'capsim-sweep-'));

/**
 * Runs the compiled CLI (`node bin/capsim.js`; build first with `npx tsc -p tsconfig.build.json`).
 * Every run goes through dist/, so in-process points (--workers 1) and worker-thread points
 * (dist/sweep/worker.js) always run the same code.
 */
export const capsim = (...argv: string[]) => capsimProcess(argv);

/** Runs the CLI in-process from the sources (only for runs that stay in one thread). */
export async function capsimInProcess(...argv: string[]) {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

/** Runs `node bin/capsim.js` as a separate process. */
export function capsimProcess(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Parses a CSV written by capsim (no quoted commas in the columns read). */
export function readRows(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trimEnd().split('\n');
  const columns = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i], v])));
}
