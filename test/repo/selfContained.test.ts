/**
 * A clone is the whole product: no tracked file may point at a folder outside the repository
 * (the project's reference collection once sat beside it; a clone has nothing beside it).
 * Reference data lives in data/reference/, each folder with its README and licence.
 *
 * Files checked: `git ls-files` (every tracked file), or, outside a git checkout (an unpacked
 * archive), every file except the ignored folders. Every hit is reported as file:line.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');
// Spelled in pieces so that this file does not match itself.
const OUTSIDE = [['..', 'shared'].join('/'), ['', 'work', 'shared'].join('/')];
const UNTRACKED = new Set(['.git', 'node_modules', 'dist', 'results']);

function walk(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
    const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!UNTRACKED.has(rel)) walk(rel, out);
    } else if (entry.isFile()) out.push(rel);
  }
  return out;
}

function repositoryFiles(): string[] {
  if (!existsSync(path.join(repoRoot, '.git'))) return walk('', []);
  return execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 << 20 })
    .split('\0')
    .filter((f) => f !== '' && existsSync(path.join(repoRoot, f)));
}

describe('the repository is self-contained', () => {
  it('no file refers to a folder outside the repository', () => {
    const files = repositoryFiles();
    expect(files).toContain('package.json');
    const hits: string[] = [];
    for (const file of files) {
      const lines = readFileSync(path.join(repoRoot, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (OUTSIDE.some((s) => line.includes(s))) hits.push(`${file}:${i + 1}: ${line.trim().slice(0, 160)}`);
      });
    }
    expect(hits, `these lines refer to ${OUTSIDE.join(' or ')}; copy what they use into data/reference/ and point there:\n${hits.join('\n')}`).toEqual([]);
  });

  it('every reference-data file has a README and a licence in its folder or a parent source folder', () => {
    const root = path.join(repoRoot, 'data/reference');
    const lacking: string[] = [];
    const visit = (dir: string, inherited: { readme: boolean; licence: boolean }) => {
      const entries = readdirSync(path.join(root, dir), { withFileTypes: true });
      const here = {
        readme: inherited.readme || (dir !== '' && entries.some((e) => e.name === 'README.md')),
        licence: inherited.licence || (dir !== '' && entries.some((e) => e.name.startsWith('LICENSE'))),
      };
      for (const e of entries) {
        const rel = dir === '' ? e.name : `${dir}/${e.name}`;
        if (e.isDirectory()) visit(rel, here);
        else if (dir !== '' && !(here.readme && here.licence)) {
          const missing = [here.readme ? null : 'README.md', here.licence ? null : 'LICENSE'].filter((m) => m !== null);
          lacking.push(`data/reference/${rel}: no ${missing.join(' and ')} beside it or above it`);
        }
      }
    };
    visit('', { readme: false, licence: false });
    expect(lacking, `each source folder under data/reference needs README.md (source, date, used by) and its LICENSE:\n${lacking.join('\n')}`).toEqual([]);
  });
});
