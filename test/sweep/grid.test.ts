import { describe, expect, it } from 'vitest';
import { buildGrid, parseVary } from '../../src/sweep/grid.js';
import { parseShard } from '../../src/sweep/shard.js';
import { t975 } from '../../src/sweep/tQuantile.js';
import { InputError } from '../../src/errors.js';

describe('--vary parsing', () => {
  it.each([
    ['fleet.gpus=4,8,16', 'fleet.gpus', [4, 8, 16]],
    ['fleet.gpus=1..5', 'fleet.gpus', [1, 2, 3, 4, 5]],
    ['fleet.gpus=3..3', 'fleet.gpus', [3]],
    ['traffic.rate=10..50:10', 'traffic.rate', [10, 20, 30, 40, 50]],
    ['traffic.rate=10..55:10', 'traffic.rate', [10, 20, 30, 40, 50]],
    // exact decimal steps: no 0.30000000000000004
    ['cache.response.hit_rate=0.1..0.5:0.1', 'cache.response.hit_rate', [0.1, 0.2, 0.3, 0.4, 0.5]],
    ['traffic.rate=0.5..2:0.25', 'traffic.rate', [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]],
    ['gpu=h100-sxm,a100-80gb', 'gpu', ['h100-sxm', 'a100-80gb']],
    ['serving.batch_window=10ms, 20ms', 'serving.batch_window', ['10ms', '20ms']],
    ['pools[1].gpus=2,4', 'pools[1].gpus', [2, 4]],
  ])('%s', (flag, key, values) => {
    expect(parseVary(flag)).toEqual({ key, values });
  });

  it.each([
    ['fleet.gpus', 'expected KEY=VALUES'],
    ['fleet.gpus=', 'no values'],
    ['=1,2', 'not a key path'],
    ['fleet.gpus=4,,8', 'empty value'],
    ['fleet.gpus=8..4', 'ends (4) before it starts (8)'],
    ['fleet.gpus=1.5..4', 'needs whole numbers'],
    ['traffic.rate=10..100:0', 'step must be > 0'],
    ['traffic.rate=10..100:-5', 'step must be > 0'],
    ['fleet.gpus=1..', 'not a range'],
    ['fleet.gpus=1..10000000', 'too many'],
  ])('rejects %s', (flag, why) => {
    expect(() => parseVary(flag)).toThrow(InputError);
    expect(() => parseVary(flag)).toThrow(new RegExp(`^--vary .*${why.replace(/[().*]/g, '\\$&')}`));
  });
});

describe('grid', () => {
  it('is row-major: the first --vary varies slowest', () => {
    const grid = buildGrid([parseVary('fleet.gpus=1,2'), parseVary('gpu=a,b,c')]);
    expect(grid.map((p) => p.set.join(' '))).toEqual([
      'fleet.gpus=1 gpu=a', 'fleet.gpus=1 gpu=b', 'fleet.gpus=1 gpu=c',
      'fleet.gpus=2 gpu=a', 'fleet.gpus=2 gpu=b', 'fleet.gpus=2 gpu=c',
    ]);
    expect(grid.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('rejects a key varied twice', () => {
    expect(() => buildGrid([parseVary('fleet.gpus=1'), parseVary('fleet.gpus=2')])).toThrow(/varied twice/);
  });
});

describe('--shard', () => {
  it.each([
    ['0/3', {}, { index: 0, count: 3 }],
    ['2/3', {}, { index: 2, count: 3 }],
    ['auto/4', { JOB_COMPLETION_INDEX: '3' }, { index: 3, count: 4 }],
  ])('%s', (text, env, shard) => expect(parseShard(text, env)).toEqual(shard));

  it.each([['3/3', {}], ['1', {}], ['auto/4', {}], ['auto/4', { JOB_COMPLETION_INDEX: 'x' }], ['0/0', {}]])('rejects %s %j', (text, env) => {
    expect(() => parseShard(text, env)).toThrow(/^--shard /);
  });
});

describe('t975', () => {
  // Reference: t table (NIST/SEMATECH e-Handbook 1.3.6.7.2), two-sided 95%.
  it.each([[1, 12.706], [3, 3.182], [15, 2.131], [30, 2.042], [40, 2.021], [60, 2.0], [120, 1.98], [1e6, 1.96]])('df %d -> %d', (df, t) => {
    expect(t975(df)).toBeCloseTo(t, 2);
  });
});
