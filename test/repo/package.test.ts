/**
 * capsim installs as a package: `npm pack`, install the tarball into an empty temporary folder
 * with the lock file's dependencies (offline, from the npm cache), then, with no repository
 * around it:
 * - `npx capsim run` simulates the bundled default workload;
 * - the program of docs/api.md (extracted from the markdown, so doc and test cannot drift) runs
 *   against the installed library, and its p99 TTFT and verdict are those of `capsim run` with the
 *   same override (reference: the CLI's summary.json, the same library through another door;
 *   tolerance: exact, the outputs are deterministic);
 * - a TypeScript file importing 'capsim' type-checks against the package's .d.ts;
 * - the tarball holds the catalog, the bundled workloads and the built entry, and nothing of
 *   test/ or data/.
 *
 * Uses dist/ as built (`npm test` builds first; alone: `npx tsc -p tsconfig.build.json`).
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** The program under the `api-example` marker of docs/api.md. */
function apiExample(): string {
  const doc = readFileSync(path.join(repoRoot, 'docs/api.md'), 'utf8');
  const m = /<!-- api-example[^>]*-->\s*```js\n([\s\S]*?)```/.exec(doc);
  if (!m) throw new Error('docs/api.md: no ```js block after <!-- api-example ... -->');
  return m[1]!;
}

const execFileAsync = promisify(execFile);

/** The same as `run`, without blocking, so two simulations can use both cores. */
async function runAsync(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    return (await execFileAsync(cmd, args, { cwd, encoding: 'utf8', timeout: 170_000 })).stdout;
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${e.code}:\n${e.stdout}\n${e.stderr}`);
  }
}

function run(cmd: string, args: string[], cwd: string, timeout = 120_000): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * Installs the tarball with the repository's lock file: a consumer package-lock.json holding the
 * tarball and the lock's runtime (non-dev) entries, then `npm ci --offline`. If the npm cache
 * lacks them (a machine that never ran `npm ci` here), unpacks the tarball into node_modules and
 * links the repository's own copies of the runtime dependencies.
 */
function install(dir: string, tgz: string): string {
  const name = path.basename(tgz);
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
  const dependency = `file:${name}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { capsim: dependency } },
    'node_modules/capsim': {
      version: pkg.version, resolved: dependency, integrity, license: pkg.license,
      dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages as Record<string, { dev?: boolean }>)) {
    if (key !== '' && !entry.dev) packages[key] = entry;
  }
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { capsim: dependency } }, null, 2));
  writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }, null, 2));
  const r = spawnSync(npm, ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  if (r.status === 0) return 'npm ci --offline';
  rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true });
  const target = path.join(dir, 'node_modules/capsim');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['xzf', tgz, '-C', target, '--strip-components=1']);
  for (const dep of Object.keys(pkg.dependencies)) {
    const link = path.join(dir, 'node_modules', dep);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(path.join(repoRoot, 'node_modules', dep), link, 'dir');
  }
  mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true });
  symlinkSync('../capsim/bin/capsim.js', path.join(dir, 'node_modules/.bin/capsim'));
  return `unpacked (npm ci --offline failed: ${r.stderr.trim().split('\n')[0]})`;
}

describe('the packed package', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'capsim-pack-'));
  const consumer = path.join(work, 'consumer');
  let files: string[] = [];
  let how = '';

  beforeAll(() => {
    if (!existsSync(path.join(repoRoot, 'dist/index.js'))) throw new Error('dist/index.js is missing: run npx tsc -p tsconfig.build.json first');
    const packed = JSON.parse(run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], repoRoot))[0];
    files = packed.files.map((f: { path: string }) => f.path);
    mkdirSync(consumer);
    const tgz = path.join(consumer, packed.filename);
    writeFileSync(tgz, readFileSync(path.join(work, packed.filename)));
    how = install(consumer, tgz);
  }, 180_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('holds the entry, the catalog and the bundled workloads, and nothing of test/ or data/', () => {
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'bin/capsim.js', 'catalog/catalog.yaml', 'catalog/allreduce.yaml', 'workloads/chatbot.yaml', 'workloads/templates/chatbot.yaml', 'workloads/workload.schema.json']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => /^(test|data|src|bench|scripts)\//.test(f))).toEqual([]);
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
  });

  it('runs `npx capsim run` and the docs/api.md program with the same answer', async () => {
    expect(how).toMatch(/^npm ci --offline|^unpacked/);
    const out = path.join(consumer, 'results/three');
    const program = apiExample();
    expect(program).toMatch(/from 'capsim'/);
    writeFileSync(path.join(consumer, 'example.mjs'), program);
    const [, printed] = await Promise.all([
      runAsync(npx, ['--no', 'capsim', 'run', '--set', 'fleet.gpus=3', '--quiet', '--out', out], consumer),
      runAsync(process.execPath, ['example.mjs'], consumer),
    ]);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.name).toBe('chatbot');
    expect(typeof summary.latency.ttft_ms.p99).toBe('number');
    expect(printed).toContain(`p99 TTFT ${summary.latency.ttft_ms.p99} ms, meets SLOs: ${summary.meets_slo}`);
    for (const [name, c] of Object.entries(summary.classes as Record<string, { latency: { ttft_ms: { p99: number } } }>)) {
      expect(printed).toContain(`${name}: p99 TTFT ${c.latency.ttft_ms.p99} ms`);
    }
  }, 180_000);

  it("type-checks a program against the package's .d.ts", () => {
    writeFileSync(
      path.join(consumer, 'check.ts'),
      [
        "import { loadWorkload, simulate, InputError, findGpu, type Summary, type Scenario } from 'capsim';",
        'const scenario: Scenario = loadWorkload(null, { set: [\'fleet.gpus=3\'] });',
        'const summary: Summary = simulate(scenario).summary;',
        'const p99: number | null = summary.latency.ttft_ms.p99;',
        'const memory: number | undefined = findGpu(\'h100-sxm\')?.memoryGb;',
        'export const used = [p99, memory, InputError];',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['check.ts'] }),
    );
    run(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], consumer);
  }, 120_000);
});
