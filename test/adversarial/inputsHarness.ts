/**
 * In-process twin of `checkCase` (harness.ts) for input cases where the process boundary does
 * not matter: the CLI's `main()` runs in this process on files in a fresh folder, and the same
 * things are asserted (exit code, message fragments, no stack trace, no control characters, no
 * files written for exit 2), plus a wall-time bound. Much faster than spawning Node per case.
 *
 * A case's `args` name files relative to its folder; `inputsArgs` makes them absolute (every arg
 * that is one of the case's files, and every `--out` value).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { main } from '../../src/cli/main.js';
import { checkCase, expectOutcome, listFiles, type AdversarialCase, type RunResult } from './harness.js';

export interface InputCase extends AdversarialCase {
  /** Spawn a process (heap cap, cwd, devices, FIFOs): the harness's `checkCase`. Default: in-process. */
  readonly spawn?: boolean;
  /** Wall-time bound in ms (default 10 s). */
  readonly maxMs?: number;
}

/** Args with the case's files and `--out` values made absolute in `dir`. */
export function inputsArgs(args: readonly string[], files: readonly string[], dir: string): string[] {
  return args.map((a, i) => (files.includes(a) || args[i - 1] === '--out' ? join(dir, a) : a));
}

/** Runs `capsim ...args` in-process in a fresh folder holding `files`. */
export async function runInProcess(
  args: readonly string[],
  files: Readonly<Record<string, string | Buffer>> = {},
): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'capsim-inputs-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const before = new Set(listFiles(dir));
  let stdout = '';
  let stderr = '';
  const started = performance.now();
  const code = await main(inputsArgs(args, Object.keys(files), dir), {
    out: (s) => void (stdout += s),
    err: (s) => void (stderr += s),
    errIsTty: false,
  });
  const ms = performance.now() - started;
  return { code, stdout, stderr, ms, timedOut: false, filesWritten: listFiles(dir).filter((f) => !before.has(f)), dir };
}

/** Asserts an input case, in-process unless `spawn` is set. */
export async function checkInputCase(c: InputCase): Promise<RunResult> {
  if (c.spawn) {
    const r = await checkCase({ ...c, options: { timeoutMs: c.maxMs ?? 20_000, ...c.options } });
    return r;
  }
  const r = await runInProcess(c.args, c.options?.files ?? {});
  const where = `${c.name}\nstderr: ${r.stderr.slice(0, 2000)}`;
  expectOutcome(c, r);
  expect(r.stderr, where).not.toContain('internal error');
  expect(r.ms, `${where}\n(took ${r.ms.toFixed(0)} ms)`).toBeLessThan(c.maxMs ?? 10_000);
  return r;
}
