import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultOutFolder } from '../../src/cli/defaultOut.js';
import { capsimInProcess, SMALL, tempDir } from './helpers.js';

describe('default output folder (issue 15 item 6: a --set run does not overwrite the base results)', () => {
  it.each([
    ['chatbot', [], 'results/chatbot'],
    ['chatbot', ['fleet.gpus=8'], 'results/chatbot--fleet.gpus=8'],
    ['chatbot', ['fleet.gpus=8', 'gpu=l40s'], 'results/chatbot--fleet.gpus=8--gpu=l40s'],
    ['chatbot', ['classes[0].slo.ttft=800ms'], 'results/chatbot--classes_0_.slo.ttft=800ms'],
    ['chatbot', ['name=../x'], 'results/chatbot--name=.._x'],
  ])('%s %j -> %s', (name, set, expected) => {
    expect(defaultOutFolder(name, set)).toBe(expected);
  });

  it('sweep with --set writes into the --set folder, like run and plan, not beside the base results', async () => {
    // One point of 60 s: runs in the main thread (an estimated sweep under 0.5 s never starts workers).
    const dir = tempDir();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const r = await capsimInProcess('sweep', SMALL, '--vary', 'fleet.gpus=3', '--set', 'duration=60s', '--workers', '1', '--quiet');
      expect(r.code, r.stderr).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    expect(existsSync(join(dir, 'results/sweep-small--duration=60s/sweep.csv'))).toBe(true);
    expect(existsSync(join(dir, 'results/sweep-small'))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});
