import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { loadWorkload, resolveWorkload } from '../../src/workload/load.js';

const doc = () => ({
  traffic: { rate: 10 },
  classes: [
    { name: 'chat', prompt_tokens: 500, output_tokens: 100 },
    { name: 'batch', prompt_tokens: 900, output_tokens: 100 },
  ],
  fleet: { gpus: 2 },
});

describe('--set overrides', () => {
  it('sets numbers, booleans, strings and lists by dotted path', () => {
    const profile = Array.from({ length: 24 }, (_, h) => (h < 12 ? 1 : 3));
    const s = resolveWorkload(doc(), {
      set: [
        'serving.max_batch_size=64',
        'fleet.gpus=8',
        'cache.prefix=true',
        'serving.router=random',
        `traffic.daily_profile=[${profile.join(',')}]`,
        'classes[0].slo.ttft=500ms',
        'name=tuned',
      ],
    });
    expect(s.serving.maxBatchSize).toBe(64);
    expect(s.pools[0].gpus).toBe(8);
    expect(s.cache.prefix).toBe(true);
    expect(s.serving.router).toBe('random');
    expect(s.traffic.dailyProfile![0]).toBeCloseTo(0.5, 12);
    expect(s.classes[0].slo.ttftS).toBe(0.5);
    expect(s.name).toBe('tuned');
  });

  it.each(['classes[0].weight=3', 'classes.0.weight=3'])('indexes lists: %s', (flag) => {
    const s = resolveWorkload(doc(), { set: [flag] });
    expect(s.classes.map((c) => c.weight)).toEqual([0.75, 0.25]);
  });

  it('sets mappings given as flow YAML, and later flags win', () => {
    const s = resolveWorkload(doc(), {
      set: ['classes[1].output_tokens={dist: uniform, min: 10, max: 20}', 'fleet.gpus=4', 'fleet.gpus=6'],
    });
    expect(s.classes[1].outputTokens).toEqual({ dist: 'uniform', min: 10, max: 20 });
    expect(s.pools[0].gpus).toBe(6);
  });

  it('appends to a list at index = length', () => {
    const s = resolveWorkload(doc(), { set: ['classes[2]={name: extra, prompt_tokens: 5, output_tokens: 5}'] });
    expect(s.classes.map((c) => c.name)).toEqual(['chat', 'batch', 'extra']);
  });

  it('applies to files too, and the seed option wins over the file', () => {
    const s = loadWorkload(null, { set: ['fleet.gpus=12'], seed: 3 });
    expect(s.pools[0].gpus).toBe(12);
    expect(s.seed).toBe(3);
  });

  it.each([
    ['fleet.gpus', '--set fleet.gpus: expected KEY=VALUE'],
    ['=3', "--set =3: '' is not a key path"],
    ['fleet..gpus=3', "'fleet..gpus' is not a key path"],
    ['fleet.gpus=[1, 2', '--set fleet.gpus=[1, 2: the value is not valid YAML'],
    ['fleet.gpus.n=3', '`fleet.gpus` is 2, not a mapping or list'],
    ['classes.x=3', '`classes` is a list; index it like classes[0]'],
  ])('rejects --set %s', (flag, message) => {
    try {
      resolveWorkload(doc(), { set: [flag] });
      throw new Error('expected an InputError');
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toContain(message);
    }
  });

  it('names --set and the key when the value is bad', () => {
    try {
      resolveWorkload(doc(), { set: ['serving.max_batch_size=-1'] });
      throw new Error('expected an InputError');
    } catch (error) {
      expect((error as InputError).problems).toEqual([
        {
          file: null,
          path: 'serving.max_batch_size',
          line: null,
          message: 'must be >= 1, got -1 (from --set serving.max_batch_size=-1)',
        },
      ]);
    }
  });
});

describe('--set and prototype keys', () => {
  it('treats __proto__ as an ordinary (unknown) key and pollutes nothing', () => {
    expect(() => resolveWorkload(doc(), { set: ['__proto__.polluted=1'] })).toThrow('unknown key `__proto__`');
    expect(() => resolveWorkload(doc(), { set: ['serving.constructor.x=1'] })).toThrow('unknown key `constructor`');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
