#!/usr/bin/env node
/**
 * Top self-time functions of a V8 CPU profile (`node --cpu-prof`).
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/run.js --child day-16xh100
 *   node bench/profileTop.js /tmp/prof/CPU.*.cpuprofile [--top 25]
 *
 * Self time per node is samples x the mean sampling interval; nodes are grouped by function name
 * and source location (file:line relative to the repository), and printed as a Markdown table.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const topIndex = args.indexOf('--top');
const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 25;
const file = args.find((a, i) => !a.startsWith('--') && (topIndex < 0 || i !== topIndex + 1));
if (!file) {
  console.error('usage: node bench/profileTop.js FILE.cpuprofile [--top N]');
  process.exit(2);
}

const profile = JSON.parse(readFileSync(file, 'utf8'));
const totalUs = profile.endTime - profile.startTime;
const samples = new Map();
for (const id of profile.samples) samples.set(id, (samples.get(id) ?? 0) + 1);
const perSampleUs = totalUs / profile.samples.length;

const groups = new Map();
for (const node of profile.nodes) {
  const hits = samples.get(node.id) ?? 0;
  if (hits === 0) continue;
  const cf = node.callFrame;
  let where = cf.url ? cf.url.replace(/^file:\/\//, '') : '';
  if (where.startsWith(root)) where = path.relative(root, where);
  const name = cf.functionName || '(anonymous)';
  const key = `${name}\t${where}${where ? `:${cf.lineNumber + 1}` : ''}`;
  groups.set(key, (groups.get(key) ?? 0) + hits);
}

const rows = [...groups].sort((a, b) => b[1] - a[1]).slice(0, top);
console.log(`profile ${path.basename(file)}: ${(totalUs / 1e6).toFixed(2)} s, ${profile.samples.length} samples`);
console.log('| self ms | self % | function | location |');
console.log('|--------:|-------:|----------|----------|');
for (const [key, hits] of rows) {
  const [name, where] = key.split('\t');
  console.log(`| ${((hits * perSampleUs) / 1000).toFixed(0)} | ${((100 * hits) / profile.samples.length).toFixed(1)} | \`${name}\` | ${where} |`);
}
