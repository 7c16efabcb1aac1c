import type { Io } from './context.js';

/**
 * A single updating progress line on stderr for long runs and sweeps. It appears only when
 * stderr is a terminal and the user did not ask for --quiet (so CI logs and pipes stay clean),
 * only once the work has taken longer than `delayMs` (short runs print nothing), and at most
 * `maxPerSecond` times a second. `done()` erases it, leaving the terminal as it was.
 */
export interface ProgressLine {
  /** `fraction` of the work done (0..1, or null when unknown) and what to show beside it. */
  update(fraction: number | null, detail: string): void;
  /** Erases the line (call it before printing the result, also on error). */
  done(): void;
}

export interface ProgressOptions {
  /** Show anything at all (the caller passes `io.errIsTty && !quiet`). */
  enabled: boolean;
  /** Quiet period before the first line, ms (default 1000). */
  delayMs?: number;
  /** Most redraws per second (default 4). */
  maxPerSecond?: number;
  /** Wall clock in ms; injectable for tests. */
  now?: () => number;
}

const NONE: ProgressLine = { update() {}, done() {} };

export function progressLine(io: Io, options: ProgressOptions): ProgressLine {
  if (!options.enabled) return NONE;
  const now = options.now ?? Date.now;
  const delayMs = options.delayMs ?? 1000;
  const gapMs = 1000 / (options.maxPerSecond ?? 4);
  const started = now();
  let lastDraw = -Infinity;
  let shown = false;
  return {
    update(fraction, detail) {
      const t = now();
      if (t - started < delayMs || t - lastDraw < gapMs) return;
      lastDraw = t;
      const elapsedS = (t - started) / 1000;
      const parts = [detail];
      if (fraction !== null && fraction > 0) {
        parts.unshift(`${Math.min(100, fraction * 100).toFixed(0).padStart(3)}%`);
        if (fraction < 1) parts.push(`ETA ${clock((elapsedS * (1 - fraction)) / fraction)}`);
      }
      io.err(`\r${parts.join('  ')}\x1b[K`);
      shown = true;
    },
    done() {
      if (shown) io.err('\r\x1b[K');
      shown = false;
    },
  };
}

/**
 * The `onProgress` callback of `simulate` for one run: simulated time reached out of the
 * horizon, requests so far, ETA. `horizonS` null (a trace without `duration`): no percentage.
 */
export function runProgress(io: Io, enabled: boolean, horizonS: number | null, options: Omit<ProgressOptions, 'enabled'> = {}) {
  const line = progressLine(io, { enabled, ...options });
  return {
    onProgress: (simulatedS: number, requests: number) =>
      line.update(horizonS ? simulatedS / horizonS : null, `simulated ${clock(simulatedS)}${horizonS ? ` of ${clock(horizonS)}` : ''}  ${requests.toLocaleString('en-US')} requests`),
    done: () => line.done(),
  };
}

/** Seconds as `1h02m`, `4m05s` or `12s`. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
