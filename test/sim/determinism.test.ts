import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWorkload, resolveWorkload } from '../../src/workload/load.js';
import { simulate } from '../../src/simulate.js';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/context.js';

const quiet: Io = { out: () => {}, err: () => {}, errIsTty: false };
const short = ['--set', 'duration=2h', '--set', 'traffic.rate=5', '--set', 'fleet.gpus=2', '--quiet'];

function runTo(args: string[]): Promise<{ code: number; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'capsim-det-'));
  return main(['run', ...args, '--out', dir], quiet).then((code) => ({ code, dir }));
}

describe('determinism', () => {
  it('same file and seed -> byte-identical outputs; another seed differs', async () => {
    const a = await runTo([...short]);
    const b = await runTo([...short]);
    const c = await runTo([...short, '--seed', '43']);
    for (const f of ['hourly.csv', 'hourly_by_class.csv', 'summary.json', 'manifest.json']) {
      expect(readFileSync(join(a.dir, f), 'utf8')).toBe(readFileSync(join(b.dir, f), 'utf8'));
    }
    expect(readFileSync(join(a.dir, 'hourly.csv'), 'utf8')).not.toBe(readFileSync(join(c.dir, 'hourly.csv'), 'utf8'));
    expect([a.code, b.code, c.code]).toEqual([0, 0, 0]);
  });

  it('changing serving.max_batch_size leaves per-hour arrivals and tokens identical', () => {
    const base = loadWorkload(null, { set: ['duration=3h', 'traffic.rate=5', 'fleet.gpus=2'] });
    const other = loadWorkload(null, { set: ['duration=3h', 'traffic.rate=5', 'fleet.gpus=2', 'serving.max_batch_size=2'] });
    const pick = (rows: { arrivals: number; input_tokens: number; output_tokens: number }[]) =>
      rows.map((r) => [r.arrivals, r.input_tokens, r.output_tokens]);
    const a = simulate(base);
    const b = simulate(other);
    expect(pick(b.hourly)).toEqual(pick(a.hourly));
    expect(b.summary.latency.queue_ms.p99).not.toBe(a.summary.latency.queue_ms.p99);
  });

  it('every arrival ends completed or dropped, never missing', () => {
    const run = simulate(loadWorkload(null, { set: ['duration=2h', 'traffic.rate=40', 'fleet.gpus=1', 'serving.max_queue_time=5s'] }));
    for (const r of run.hourly) expect(r.completed + r.dropped).toBe(r.arrivals);
    expect(run.summary.dropped).toBeGreaterThan(0);
  });
});

describe('fast path (steady decode runs as one event) vs one event per iteration', () => {
  it.each([
    ['continuous, roofline, prefix cache', {}],
    ['continuous, memory pressure (preemptions)', { model: 'llama-2-7b', gpu: 'l4', serving: { max_batch_size: 256 }, traffic: { rate: 6 } }],
    ['shared queue', { serving: { router: 'shared_queue' } }],
  ])('%s: identical per-request latencies', (_name, patch: Record<string, unknown>) => {
    const doc = {
      name: 'ff',
      seed: 5,
      duration: '20m',
      traffic: { rate: 3, ...(patch.traffic as object) },
      classes: [
        { name: 'chat', prompt_tokens: { dist: 'lognormal', median: 900, p99: 6000 }, output_tokens: { dist: 'lognormal', median: 200, p99: 1500 }, shared_prefix_tokens: 300 },
      ],
      model: patch.model ?? 'llama-3.1-8b',
      gpu: patch.gpu ?? 'h100-sxm',
      fleet: { gpus: 2 },
      serving: { max_queue_time: '1h', ...(patch.serving as object) },
      cache: { prefix: true },
    };
    const record = (fastForward: boolean) => {
      const out: string[] = [];
      const run = simulate(resolveWorkload(doc), {
        fastForward,
        onRequestEnd: (r, outcome) => out.push(`${r.id} ${outcome} ${r.firstTokenAt} ${r.finishedAt} ${r.preemptions}`),
      });
      return { out: out.sort(), run };
    };
    const fast = record(true);
    const slow = record(false);
    expect(fast.out).toEqual(slow.out);
    expect(fast.run.stats.events).toBeLessThan(slow.run.stats.events);
    if (_name.includes('preemptions')) expect(fast.run.summary.preemptions).toBeGreaterThan(0);
  });
});
