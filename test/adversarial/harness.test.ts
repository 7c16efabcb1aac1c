import { describe, expect, it } from 'vitest';
import { checkCase, runCapsim } from './harness.js';

/** The harness itself: it must see exit codes, files written and time-outs, or no case means anything. */
describe('adversarial harness', () => {
  it('sees a clean exit-2 on a missing workload, with no files', async () => {
    await checkCase({ name: 'missing workload', args: ['run', 'nope.yaml'], message: 'nope.yaml' });
  });

  it('sees files a run leaves behind', async () => {
    const r = await runCapsim(['init', '--out', 'w.yaml']);
    expect(r.code).toBe(0);
    expect(r.filesWritten).toContain('w.yaml');
  });

  it('kills a run past its time limit', async () => {
    const r = await runCapsim(['run', '/dev/stdin'], { timeoutMs: 1, setup: () => {} });
    expect(r.timedOut || r.code !== null).toBe(true);
  });
});
