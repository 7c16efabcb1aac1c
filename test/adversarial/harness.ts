/**
 * The adversarial harness: runs the compiled CLI (`node bin/capsim.js`, so `npm test` builds
 * first) as a separate process on a hostile input, inside a fresh empty folder, and reports what
 * a user would see: exit code, stdout, stderr, wall time, and every file left behind.
 *
 * Bounds are enforced, not just measured: the child's heap is capped (`--max-old-space-size`),
 * so unbounded memory growth ends in a fatal error (exit code other than 2), and a run past its
 * time limit is killed (exit code null, `timedOut: true`).
 *
 * A case lists what must hold; `checkCase` asserts all of it, so each table row reads as one
 * sentence: "this input, these args: exit 2, a message containing X, no files, in under T".
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const BIN = fileURLToPath(new URL('../../bin/capsim.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly timedOut: boolean;
  /** Files (not folders) under the run's folder after the run, minus the inputs, relative paths. */
  readonly filesWritten: readonly string[];
  readonly dir: string;
}

export interface RunOptions {
  /** Files to create in the run's folder before the run (relative path -> content). */
  readonly files?: Readonly<Record<string, string | Buffer>>;
  /** Kill the run after this many milliseconds (default 20 s). */
  readonly timeoutMs?: number;
  /** Heap cap for the child in MB (default 512). */
  readonly heapMb?: number;
  /** Extra environment variables. */
  readonly env?: NodeJS.ProcessEnv;
  /** Prepare the folder further (symlinks, FIFOs, permissions) before the run. */
  readonly setup?: (dir: string) => void;
  /** Run under `ulimit -f` of this many 1 KB blocks (a file-size limit: writes past it fail with EFBIG). */
  readonly fileSizeLimitBlocks?: number;
  /** Send the child's stdout to this file (e.g. `/dev/full`) instead of a pipe; `stdout` is then empty. */
  readonly stdoutFile?: string;
}

/** Every file (not folder) under `root`, relative, sorted. */
export function listFiles(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(root, path));
    else out.push(relative(root, path));
  }
  return out.sort();
}

/** Runs `capsim ...args` in a fresh folder holding `options.files`. */
export function runCapsim(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'capsim-adv-'));
  const inputs = new Set<string>();
  for (const [name, content] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
    inputs.add(name);
  }
  options.setup?.(dir);
  const before = new Set(listFiles(dir));
  const timeoutMs = options.timeoutMs ?? 20_000;
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const nodeArgs = [`--max-old-space-size=${options.heapMb ?? 512}`, BIN, ...args];
    const limited = options.fileSizeLimitBlocks !== undefined;
    const stdoutFd = options.stdoutFile === undefined ? null : openSync(options.stdoutFile, 'w');
    const child = spawn(
      limited ? '/bin/sh' : process.execPath,
      limited ? ['-c', `ulimit -f ${options.fileSizeLimitBlocks} && exec "$0" "$@"`, process.execPath, ...nodeArgs] : nodeArgs,
      {
        cwd: dir,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
      },
    );
    if (stdoutFd !== null) closeSync(stdoutFd);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const filesWritten = listFiles(dir).filter((f) => !before.has(f));
      resolve({ code, stdout, stderr, ms, timedOut, filesWritten, dir });
    });
  });
}

export interface AdversarialCase {
  readonly name: string;
  readonly args: readonly string[];
  readonly options?: RunOptions;
  /** Expected exit code (default 2). */
  readonly code?: number;
  /** Fragments stderr must contain. */
  readonly message?: string | RegExp | readonly (string | RegExp)[];
  /** Files allowed to be left behind (default: none for exit 2). */
  readonly allowFiles?: (files: readonly string[]) => boolean;
}

/**
 * Asserts a case: the exit code, the message, no stack trace, no raw control characters in
 * stderr, and (for exit 2) no files written.
 */
export async function checkCase(c: AdversarialCase): Promise<RunResult> {
  const r = await runCapsim(c.args, c.options);
  const where = `${c.name}\nstderr: ${r.stderr.slice(0, 2000)}`;
  expect(r.timedOut, `${where}\n(timed out after ${r.ms.toFixed(0)} ms)`).toBe(false);
  expectOutcome(c, r);
  return r;
}

/**
 * What every case asserts of a finished run, spawned or in-process: the exit code, the message
 * fragments, no stack trace, no raw control characters, and (for exit 2) no files written.
 */
export function expectOutcome(c: AdversarialCase, r: Pick<RunResult, 'code' | 'stderr' | 'filesWritten'>): void {
  const where = `${c.name}\nstderr: ${r.stderr.slice(0, 2000)}`;
  expect(r.code, where).toBe(c.code ?? 2);
  const fragments = c.message === undefined ? [] : Array.isArray(c.message) ? c.message : [c.message];
  for (const f of fragments as (string | RegExp)[]) {
    if (typeof f === 'string') expect(r.stderr, where).toContain(f);
    else expect(r.stderr, where).toMatch(f);
  }
  expect(r.stderr, where).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  // eslint-disable-next-line no-control-regex
  expect(r.stderr, where).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  if ((c.code ?? 2) === 2) {
    const ok = c.allowFiles ? c.allowFiles(r.filesWritten) : r.filesWritten.length === 0;
    expect(ok, `${where}\nfiles written: ${r.filesWritten.join(', ')}`).toBe(true);
  }
}
