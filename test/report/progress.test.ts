import { describe, expect, it } from 'vitest';
import { clock, progressLine, runProgress } from '../../src/cli/progress.js';
import type { Io } from '../../src/cli/context.js';

function fakeIo(): Io & { text: () => string } {
  let err = '';
  return { out: () => {}, err: (t) => void (err += t), errIsTty: true, text: () => err };
}

describe('progress line', () => {
  it('prints nothing when disabled (not a terminal, or --quiet)', () => {
    const io = fakeIo();
    const line = progressLine(io, { enabled: false, now: () => 5000 });
    line.update(0.5, 'x');
    line.done();
    expect(io.text()).toBe('');
  });

  it('waits a second, then redraws one line at most 4 times a second, with an ETA, and erases it', () => {
    const io = fakeIo();
    let t = 0;
    const p = runProgress(io, true, 3600, { now: () => t });
    t = 500;
    p.onProgress(600, 1000);
    expect(io.text()).toBe('');
    t = 2000;
    p.onProgress(1800, 5000);
    expect(io.text()).toBe('\r 50%  simulated 30m00s of 1h00m  5,000 requests  ETA 2s\x1b[K');
    t = 2100;
    p.onProgress(2000, 6000);
    expect(io.text().split('\r')).toHaveLength(2);
    t = 2300;
    p.onProgress(2700, 9000);
    expect(io.text()).toContain('\r 75%  simulated 45m00s of 1h00m  9,000 requests  ETA 1s\x1b[K');
    p.done();
    expect(io.text().endsWith('\r\x1b[K')).toBe(true);
    expect(io.text()).not.toContain('\n');
  });

  it('shows no percentage when the horizon is unknown (a trace without duration)', () => {
    const io = fakeIo();
    let t = 0;
    const p = runProgress(io, true, null, { now: () => t });
    t = 1500;
    p.onProgress(90, 10);
    expect(io.text()).toBe('\rsimulated 1m30s  10 requests\x1b[K');
  });

  it.each([[0, '0s'], [59.6, '1m00s'], [125, '2m05s'], [3720, '1h02m']])('clock(%d) = %s', (s, text) => {
    expect(clock(s)).toBe(text);
  });
});
