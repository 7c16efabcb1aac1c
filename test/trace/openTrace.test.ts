import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { LineReader } from '../../src/traffic/trace/lineReader.js';
import { openTrace } from '../../src/traffic/trace/openTrace.js';
import { fixture, openFds, readAll, tempDir, traceSpec } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** An Azure-format file with one row per given second offset (prompt = 100 + i, output = 10 + i). */
function azureAt(name: string, seconds: readonly number[]): string {
  const base = Date.UTC(2023, 10, 16, 18, 0, 0);
  const rows = seconds.map((s, i) => {
    const d = new Date(base + s * 1000).toISOString(); // 2023-11-16T18:00:01.000Z
    return `${d.slice(0, 10)} ${d.slice(11, 23)}0000,${100 + i},${10 + i}`;
  });
  return tmp.write(name, `TIMESTAMP,ContextTokens,GeneratedTokens\n${rows.join('\n')}\n`);
}

const fiveRows = azureAt('five.csv', [0, 1, 2, 3, 4]);

describe('speedup, window and loop', () => {
  it('speedup divides times', () => {
    const rows = readAll(openTrace(traceSpec(fiveRows, 'azure', { speedup: 4 })));
    expect(rows.map((r) => r.timeS)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('window keeps [start, end) of the file, timed from its first row, and counts rows before it', () => {
    const reader = openTrace(traceSpec(fiveRows, 'azure', { startS: 1, endS: 3.5 }));
    const rows = readAll(reader);
    expect(rows.map((r) => [r.timeS, r.promptTokens])).toEqual([
      [0, 101],
      [1, 102],
      [2, 103],
    ]);
    expect(reader.skipped).toBe(1);
    expect(reader.badRows).toBe(0);
  });

  it('window start past the first row: time 0 is the first row in the window', () => {
    const file = azureAt('gappy.csv', [0, 10, 25, 31]);
    const rows = readAll(openTrace(traceSpec(file, 'azure', { startS: 5, speedup: 5 })));
    expect(rows.map((r) => r.timeS)).toEqual([0, 3, 4.2]);
  });

  it('loop repeats the window, each pass shifted by its span plus the mean gap, until the duration', () => {
    // Window rows at 1, 2, 3: span 2, mean gap 1, period 3 -> 0,1,2, 3,4,5, 6,7,8, 9.
    const reader = openTrace(traceSpec(fiveRows, 'azure', { startS: 1, endS: 3.5, loop: true }), { durationS: 10 });
    const rows = readAll(reader);
    expect(rows.map((r) => r.timeS)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(rows.map((r) => r.promptTokens)).toEqual([101, 102, 103, 101, 102, 103, 101, 102, 103, 101]);
    expect(reader.rows).toBe(10);
    expect(reader.pass).toBe(3);
    expect(reader.skipped).toBe(1); // the row before the window, counted once, not per pass
  });

  it('loop with speedup: the period is compressed too', () => {
    const file = azureAt('uneven.csv', [0, 1, 4]); // span 4, mean gap 2, period 6
    const rows = readAll(openTrace(traceSpec(file, 'azure', { loop: true, speedup: 2 }), { durationS: 7 }));
    expect(rows.map((r) => r.timeS)).toEqual([0, 0.5, 2, 3, 3.5, 5, 6, 6.5]);
  });

  it('durationS stops a replay without loop too', () => {
    const rows = readAll(openTrace(traceSpec(fiveRows, 'azure'), { durationS: 2.5 }));
    expect(rows.map((r) => r.timeS)).toEqual([0, 1, 2]);
  });

  it('loop with fewer than two rows in the window is an error, not an endless loop', () => {
    const reader = openTrace(traceSpec(fiveRows, 'azure', { startS: 3.5, loop: true }), { durationS: 100 });
    expect(reader.next()?.promptTokens).toBe(104);
    expect(() => reader.next()).toThrowError(/traffic\.trace\.loop: cannot loop/);
  });

  it.each([
    [{ speedup: 0 }, 'traffic.trace.speedup'],
    [{ startS: -1 }, 'traffic.trace.start'],
    [{ startS: 5, endS: 2 }, 'traffic.trace.end'],
    [{ loop: true }, 'traffic.trace.loop'],
  ])('bad options %j are input errors at %s', (more, keyPath) => {
    try {
      openTrace(traceSpec(fiveRows, 'azure', more));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).problems.map((p) => p.path)).toContain(keyPath);
    }
  });

  it('a window on a file without times is an input error', () => {
    const file = tmp.write('lengths.csv', 'num_prefill_tokens,num_decode_tokens\n10,2\n');
    expect(() => openTrace(traceSpec(file, 'vidur', { startS: 1 }))).toThrowError(/traffic\.trace\.start/);
  });

  it('loop over a length-only file cycles its rows (the consumer stops pulling)', () => {
    const file = tmp.write('lengths2.csv', 'num_prefill_tokens,num_decode_tokens\n10,2\n20,3\n');
    const reader = openTrace(traceSpec(file, 'vidur', { loop: true }), { durationS: 1 });
    const tokens = Array.from({ length: 5 }, () => reader.next()?.promptTokens);
    expect(tokens).toEqual([10, 20, 10, 20, 10]);
    reader.close();
    expect(reader.next()).toBeNull();
  });
});

describe('file handling', () => {
  it('holds one descriptor, released at end of file and on close', () => {
    const before = openFds();
    const reader = openTrace(traceSpec(fiveRows, 'azure'));
    expect(openFds()).toBe(before + 1);
    readAll(reader);
    expect(openFds()).toBe(before);

    const early = openTrace(traceSpec(fiveRows, 'azure'));
    early.next();
    early.close();
    early.close();
    expect(openFds()).toBe(before);
    expect(early.next()).toBeNull();

    const looping = openTrace(traceSpec(fiveRows, 'azure', { loop: true }), { durationS: 50 });
    for (let i = 0; i < 23; i++) {
      looping.next();
      expect(openFds()).toBeLessThanOrEqual(before + 1);
    }
    readAll(looping);
    expect(openFds()).toBe(before);
  });

  it('releases the descriptor when a bad row throws', () => {
    const before = openFds();
    const file = tmp.write('bad.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:00:00,x,1\n');
    const reader = openTrace(traceSpec(file, 'azure'));
    expect(() => reader.next()).toThrow(InputError);
    expect(openFds()).toBe(before);
  });

  it('a missing file is an input error naming the file and traffic.trace.file', () => {
    try {
      openTrace(traceSpec('/nonexistent/conv.csv', 'azure'));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      const [p] = (error as InputError).problems;
      expect(p.file).toBe('/nonexistent/conv.csv');
      expect(p.path).toBe('traffic.trace.file');
      expect(p.message).toMatch(/not found/);
    }
  });

  it('handles a BOM, CRLF, blank lines and a last line without newline', () => {
    const text = '\uFEFFTIMESTAMP,ContextTokens,GeneratedTokens\r\n2023-11-16 18:00:00.5,5,6\r\n\r\n2023-11-16 18:00:01.5,7,8';
    const rows = readAll(openTrace(traceSpec(tmp.write('crlf.csv', text), 'azure')));
    expect(rows.map((r) => [r.timeS, r.promptTokens, r.outputTokens])).toEqual([
      [0, 5, 6],
      [1, 7, 8],
    ]);
  });

  it('LineReader splits correctly across chunk boundaries, CRLF and multi-byte UTF-8 included', () => {
    const lines = ['\uFEFFfirst', 'ünïcödé ✓ 🚀', '', 'crlf', 'last without newline'];
    const file = tmp.write('lines.txt', `${lines[0]}\n${lines[1]}\r\n${lines[2]}\n${lines[3]}\r\n${lines[4]}`);
    for (const chunk of [1, 2, 3, 5, 7, 64]) {
      const reader = new LineReader(file, '', chunk);
      const got: string[] = [];
      for (let l = reader.next(); l !== null; l = reader.next()) got.push(l);
      expect(got).toEqual(['first', ...lines.slice(1)]);
      expect(reader.lineNo).toBe(5);
      expect(reader.isOpen).toBe(false);
    }
  });
});

describe('formats', () => {
  it('azure 2024: +00:00 offsets, mixed precision, days apart, exact differences', () => {
    const reader = openTrace(traceSpec(fixture('azure_2024_sample.csv'), 'azure'));
    const rows = readAll(reader);
    const t = rows.map((r) => r.timeS);
    expect(t[0]).toBe(0);
    expect(t[1]).toBeCloseTo(0.001163, 12);
    expect(t[2]).toBe(0.5);
    expect(t[3]).toBeCloseTo(86_399.999999, 9);
    expect(t[4]).toBe(86_400);
    expect(t[5] - t[4]).toBeCloseTo(1e-7, 10); // within 5e-11 s: the double spacing near 86,400 s is 1.5e-11
    expect(t[6]).toBeCloseTo(6 * 86_400 + 86_399.123456, 9);
    expect(reader.firstFileTimeS).toBe(Date.UTC(2024, 4, 12) / 1000);
  });

  it('azure: a zone offset moves the time', () => {
    const file = tmp.write(
      'zones.csv',
      'TIMESTAMP,ContextTokens,GeneratedTokens\n2024-05-12 10:00:00+00:00,1,1\n2024-05-12 12:00:00+02:00,1,1\n2024-05-12T10:00:01Z,1,1\n',
    );
    expect(readAll(openTrace(traceSpec(file, 'azure'))).map((r) => r.timeS)).toEqual([0, 0, 1]);
  });

  it('burstgpt: failed requests (Response tokens 0) are skipped and counted; Model as class key', () => {
    const file = fixture('burstgpt_sample.csv');
    const lines = readFileSync(file, 'utf8').trim().split('\n').slice(1);
    const fields = lines.map((l) => l.split(','));
    const ok = fields.filter((f) => f[3] !== '0');
    const reader = openTrace(traceSpec(file, 'burstgpt', { classColumn: 'Model' }));
    const rows = readAll(reader);
    expect(reader.failed).toBe(fields.length - ok.length);
    expect(reader.failed).toBeGreaterThan(0);
    expect(reader.skipped).toBe(reader.failed);
    expect(rows.length).toBe(ok.length);
    const t0 = Number(ok[0][0]);
    expect(rows.map((r) => [r.timeS, r.classKey, r.promptTokens, r.outputTokens])).toEqual(
      ok.map((f) => [Number(f[0]) - t0, f[1], Number(f[2]), Number(f[3])]),
    );
  });

  it('burstgpt file 3 layout (Session ID, Elapsed time) reads by column name', () => {
    const rows = readAll(openTrace(traceSpec(fixture('burstgpt_sessions_sample.csv'), 'burstgpt', { classColumn: 'Model' })));
    const plain = readAll(openTrace(traceSpec(fixture('burstgpt_sample.csv'), 'burstgpt', { classColumn: 'Model' })));
    expect(rows.length).toBeGreaterThan(10);
    expect(rows).toEqual(plain.slice(0, rows.length));
  });

  it('csv: RFC 4180 quotes (commas, "" escapes, line breaks), BOM, CRLF, ms times, class column', () => {
    const spec = traceSpec(fixture('user_quoted.csv'), 'csv', {
      columns: { time: 'arrival_ms', timeUnit: 'ms', prompt: 'prompt, tokens', output: 'output', class: 'tenant' },
    });
    const rows = readAll(openTrace(spec));
    expect(rows).toEqual([
      { timeS: 0, promptTokens: 100, outputTokens: 10, hashIds: null, classKey: 'acme, inc.' },
      { timeS: 0.25, promptTokens: 200, outputTokens: 20, hashIds: null, classKey: 'say "hi"' },
      { timeS: 0.25, promptTokens: 300, outputTokens: 30, hashIds: null, classKey: 'multi\nline' },
      { timeS: 1, promptTokens: 400, outputTokens: 40, hashIds: null, classKey: 'plain' },
      { timeS: 1.5005, promptTokens: 500, outputTokens: 50, hashIds: null, classKey: null },
    ]);
  });

  it('csv: wall-clock timestamps in the time column, unit ignored', () => {
    const file = tmp.write('wall.csv', 'when,in,out\n2024-01-01T00:00:00Z,5,5\n2024-01-01T00:00:02.25Z,6,6\n');
    const spec = traceSpec(file, 'csv', { columns: { time: 'when', timeUnit: 'ms', prompt: 'in', output: 'out', class: null } });
    expect(readAll(openTrace(spec)).map((r) => r.timeS)).toEqual([0, 2.25]);
  });

  it('csv: us unit, and class_column when columns.class is not set', () => {
    const file = tmp.write('us.csv', 't,p,o,m\n1000000,5,5,a\n3500000,6,6,b\n');
    const spec = traceSpec(file, 'csv', { classColumn: 'm', columns: { time: 't', timeUnit: 'us', prompt: 'p', output: 'o', class: null } });
    expect(readAll(openTrace(spec)).map((r) => [r.timeS, r.classKey])).toEqual([
      [0, 'a'],
      [2.5, 'b'],
    ]);
  });

  it('mooncake: class_column names a JSON key; hash ids come through', () => {
    const file = tmp.write(
      'mc.jsonl',
      '{"timestamp": 0, "input_length": 600, "output_length": 5, "hash_ids": [0, 1], "tier": "gold"}\n' +
        '{"timestamp": 1500, "input_length": 10, "output_length": 5, "hash_ids": [0], "tier": 2}\n',
    );
    const rows = readAll(openTrace(traceSpec(file, 'mooncake', { classColumn: 'tier' })));
    expect(rows).toEqual([
      { timeS: 0, promptTokens: 600, outputTokens: 5, hashIds: [0, 1], classKey: 'gold' },
      { timeS: 1.5, promptTokens: 10, outputTokens: 5, hashIds: [0], classKey: '2' },
    ]);
  });

  it.each([
    ['azure', 'a,b,c\n1,2,3\n', /TIMESTAMP/],
    ['vidur', 'x,y\n1,2\n', /num_prefill_tokens/],
    ['burstgpt', 'Timestamp,Model\n1,x\n', /Request tokens/],
    ['azure', '', /empty/],
  ] as const)('%s with a wrong header is an input error listing the columns', (format, text, pattern) => {
    const file = tmp.write(`header-${format}-${text.length}.csv`, text);
    expect(() => openTrace(traceSpec(file, format))).toThrowError(pattern);
  });

  it('an unknown class column lists the columns there are', () => {
    expect(() => openTrace(traceSpec(fiveRows, 'azure', { classColumn: 'Model' }))).toThrowError(
      /traffic\.trace\.class_column: class column: no column "Model".*"TIMESTAMP", "ContextTokens", "GeneratedTokens"/,
    );
  });

  it('csv without a column mapping is an input error at traffic.trace.columns', () => {
    expect(() => openTrace(traceSpec(fiveRows, 'csv'))).toThrowError(/traffic\.trace\.columns/);
  });
});
