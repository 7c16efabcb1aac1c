#!/usr/bin/env node
/**
 * Compares the outputs of two builds of capsim, byte for byte, on every bundled workload
 * (workloads/*.yaml, workloads/levers/*.yaml, workloads/templates/*.yaml) and every bench
 * workload (bench/workloads/*.yaml). A refactoring step must leave them all identical.
 *
 *   node scripts/compare-builds.mjs main            # main vs the working tree
 *   node scripts/compare-builds.mjs main core       # two commits (any git revision)
 *   node scripts/compare-builds.mjs main --only chatbot,levers/batch --set duration=2h
 *
 * Each side is a revision (`.` = the working tree as it is, uncommitted changes included). A
 * revision is exported with `git archive` into a temporary folder, compiled with the working
 * tree's node_modules (symlinked), and every workload is run with `bin/capsim.js run --quiet`
 * from that folder, on that revision's own copy of the workload. The output files are compared
 * after one normalisation: the absolute folder of the build is replaced by `<root>` (manifest.json
 * records the workload's path). Prints one line per workload and exits 1 when any differs.
 *
 * Flags: --only a,b (workload names relative to workloads/ or bench/workloads/, no extension),
 * --set k=v (repeatable, passed to every run, e.g. duration=2h for a quick check), --keep (keep
 * the temporary folders and print them).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flags = { only: null, set: [], keep: false };
const revs = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--only') flags.only = args[++i].split(',');
  else if (a === '--set') flags.set.push(args[++i]);
  else if (a === '--keep') flags.keep = true;
  else if (a === '--help' || a === '-h') {
    console.log('usage: node scripts/compare-builds.mjs REV_A [REV_B=.] [--only a,b] [--set k=v] [--keep]');
    process.exit(0);
  } else revs.push(a);
}
if (revs.length < 1 || revs.length > 2) {
  console.error('usage: node scripts/compare-builds.mjs REV_A [REV_B=.] [--only a,b] [--set k=v] [--keep]');
  process.exit(2);
}
if (revs.length === 1) revs.push('.');

/** Exports a revision (or the working tree) into a fresh folder and compiles it. */
function build(rev) {
  const dir = mkdtempSync(path.join(tmpdir(), 'capsim-cmp-'));
  if (rev === '.') {
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: repo, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f && existsSync(path.join(repo, f)));
    for (const f of files) cpSync(path.join(repo, f), path.join(dir, f), { recursive: true });
  } else {
    const tar = execFileSync('git', ['archive', '--format=tar', rev], { cwd: repo, maxBuffer: 1 << 30 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
  }
  symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  execFileSync(path.join(repo, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  return dir;
}

/** Workload files of a build: name (relative, no extension) -> path relative to the build. */
function workloads(dir) {
  const out = new Map();
  const add = (folder, prefix) => {
    const abs = path.join(dir, folder);
    if (!existsSync(abs)) return;
    for (const f of readdirSync(abs).sort()) {
      if (!f.endsWith('.yaml')) continue;
      out.set(prefix + f.replace(/\.yaml$/, ''), path.join(folder, f));
    }
  };
  add('workloads', '');
  add('workloads/levers', 'levers/');
  add('workloads/templates', 'templates/');
  add('bench/workloads', 'bench/');
  return out;
}

function run(dir, file, out) {
  const setArgs = flags.set.flatMap((s) => ['--set', s]);
  const r = spawnSync(process.execPath, ['bin/capsim.js', 'run', file, '--out', out, '--quiet', ...setArgs], {
    cwd: dir,
    encoding: 'utf8',
  });
  return { code: r.status, err: (r.stderr ?? '').trim() };
}

function outputs(dir, root) {
  if (!existsSync(dir)) return new Map();
  return new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(path.join(dir, f), 'utf8').split(root).join('<root>')]));
}

const [a, b] = revs.map((rev) => {
  process.stderr.write(`building ${rev} ...\n`);
  return build(rev);
});
const listA = workloads(a);
const listB = workloads(b);
const names = [...new Set([...listA.keys(), ...listB.keys()])].filter((n) => flags.only === null || flags.only.includes(n));
let differ = 0;
for (const name of names) {
  if (!listA.has(name) || !listB.has(name)) {
    console.log(`${name.padEnd(32)} only in ${listA.has(name) ? revs[0] : revs[1]}`);
    continue;
  }
  const started = Date.now();
  const outA = path.join(a, '.cmp-out', name);
  const outB = path.join(b, '.cmp-out', name);
  const ra = run(a, listA.get(name), outA);
  const rb = run(b, listB.get(name), outB);
  const fa = outputs(outA, a);
  const fb = outputs(outB, b);
  const diffs = [];
  if (ra.code !== rb.code) diffs.push(`exit ${ra.code} vs ${rb.code}`);
  if (ra.err !== rb.err) diffs.push('stderr');
  for (const f of new Set([...fa.keys(), ...fb.keys()])) if (fa.get(f) !== fb.get(f)) diffs.push(f);
  if (diffs.length > 0) differ++;
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`${name.padEnd(32)} ${diffs.length === 0 ? `identical (${fa.size} files, exit ${ra.code})` : `DIFFERS: ${diffs.join(', ')}`}  ${secs}s`);
}
if (flags.keep) console.log(`kept: ${a} ${b}`);
else for (const d of [a, b]) rmSync(d, { recursive: true, force: true });
console.log(differ === 0 ? `all ${names.length} identical` : `${differ} of ${names.length} differ`);
process.exit(differ === 0 ? 0 : 1);
