/**
 * A small SVG chart renderer for report.html: line charts and stacked bars with nice-tick axes,
 * a legend, horizontal reference lines (SLOs) and a marked point. Rendered in Node as text, so
 * the report needs no script, no network and no library; the same data gives the same bytes
 * (numbers are written with fixed precision, nothing depends on the clock or on iteration order
 * of anything but the inputs). docs/report.md says why this is not a charting library.
 */

/** Escapes text for SVG/HTML text content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A coordinate with at most 2 decimals and no trailing zeros (deterministic, compact). */
function num(x: number): string {
  const r = Math.round(x * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/**
 * "Nice" axis ticks covering [min, max]: steps of 1, 2, 2.5 or 5 times a power of ten, about
 * `count` of them (Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990).
 *
 * @example niceTicks(0, 37, 5) // [0, 10, 20, 30, 40]
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = max === 0 ? 1 : Math.abs(max) * 0.1;
    min -= pad;
    max += pad;
    if (min < 0 && max - pad >= 0) min = 0;
  }
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const step = (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10) * power;
  const first = Math.floor(min / step + 1e-9) * step;
  const last = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; first + i * step <= last + step * 1e-9; i++) ticks.push(Number((first + i * step).toPrecision(12)));
  return ticks;
}

/**
 * Ticks of a base-10 log axis covering [min, max] (both > 0): the powers of ten, with 2 and 5
 * times them when the range spans fewer than three decades.
 *
 * @example logTicks(150, 60000) // [100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000]
 */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min) + 1e-9);
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max) - 1e-9));
  const steps = hi - lo < 3 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let k = lo; k <= hi; k++) {
    for (const m of steps) {
      const v = Number((m * 10 ** k).toPrecision(12));
      if (k === hi && m > 1) break;
      ticks.push(v);
    }
  }
  // Trim ticks far outside the data, keeping one on each side.
  const first = Math.max(0, ticks.findIndex((v) => v > min) - 1);
  const lastAbove = ticks.findIndex((v) => v >= max);
  const end = lastAbove < 0 ? ticks.length : Math.max(lastAbove + 1, first + 2);
  return ticks.slice(first, end);
}

/** Default tick label: up to 3 significant decimals, thousands as k, millions as M. */
export function formatTick(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e6) return `${trim(x / 1e6)}M`;
  if (a >= 1e4) return `${trim(x / 1e3)}k`;
  return trim(x);
}

function trim(x: number): string {
  return String(Number(x.toPrecision(4)));
}

/** A colour-blind-safe palette (Okabe & Ito, 2008), in the order series use it. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'] as const;

export interface Series {
  name: string;
  /** [x, y] points; a null y breaks the line (an hour without requests). */
  points: ReadonlyArray<readonly [number, number | null]>;
  color?: string;
  dashed?: boolean;
}

export interface ReferenceLine {
  y: number;
  label: string;
  color?: string;
}

export interface MarkedPoint {
  x: number;
  y: number;
  label: string;
}

export interface ChartFrame {
  /** Used as the chart's accessible title and caption. */
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  yFormat?: (y: number) => string;
  xFormat?: (x: number) => string;
  /** Start the y axis at zero (default true; ignored on a log axis). */
  yFromZero?: boolean;
  /** 'log': a base-10 y axis (latencies spanning orders of magnitude); values <= 0 are skipped. */
  yScale?: 'linear' | 'log';
}

export interface LineChartSpec extends ChartFrame {
  series: readonly Series[];
  references?: readonly ReferenceLine[];
  marker?: MarkedPoint | null;
}

export interface StackedBarSpec extends ChartFrame {
  /** x value of each bar (e.g. the hour). */
  x: readonly number[];
  /** One stack layer per series; values[i] belongs to bar i. Negative values count as 0. */
  layers: ReadonlyArray<{ name: string; values: readonly number[]; color?: string }>;
}

const MARGIN = { left: 64, right: 16, top: 34, bottom: 44 };
const FONT = 'font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif"';

interface Scale {
  x: (v: number) => number;
  y: (v: number) => number;
  xTicks: number[];
  yTicks: number[];
  plot: { left: number; right: number; top: number; bottom: number };
}

function scale(frame: ChartFrame, xs: number[], ys: number[], width: number, height: number, xPad = 0): Scale {
  // Loops, not Math.min(...xs): spreading a 100k-hour series into arguments overflows the stack.
  const xMin = xs.length ? xs.reduce((a, b) => (b < a ? b : a)) : 0;
  const xMax = xs.length ? xs.reduce((a, b) => (b > a ? b : a)) : 1;
  const log = frame.yScale === 'log';
  const positive = log ? ys.filter((y) => y > 0) : ys;
  let yMin = positive.length ? positive.reduce((a, b) => (b < a ? b : a)) : log ? 1 : 0;
  const yMax = positive.length ? positive.reduce((a, b) => (b > a ? b : a)) : log ? 10 : 1;
  if (!log && (frame.yFromZero ?? true)) yMin = Math.min(0, yMin);
  // x spans the data (plus `xPad`), not the nice ticks: hours 0..23 should not stretch to 25.
  const x0 = xMin - (xMax === xMin ? Math.max(xPad, 1) : xPad);
  const x1 = xMax + (xMax === xMin ? Math.max(xPad, 1) : xPad);
  const xTicks = niceTicks(xMin, xMax, Math.min(12, Math.max(2, Math.round((width - 100) / 80))));
  const yTicks = log ? logTicks(yMin, yMax) : niceTicks(yMin, yMax, 5);
  const plot = { left: MARGIN.left, right: width - MARGIN.right, top: MARGIN.top, bottom: height - MARGIN.bottom };
  const t = (v: number) => (log ? Math.log10(v) : v);
  const y0 = t(yTicks[0]);
  const y1 = t(yTicks[yTicks.length - 1]);
  return {
    x: (v) => plot.left + ((v - x0) / (x1 - x0 || 1)) * (plot.right - plot.left),
    y: (v) => plot.bottom - ((t(v) - y0) / (y1 - y0 || 1)) * (plot.bottom - plot.top),
    // Whole-number data (hours, GPU counts) gets whole-number ticks only.
    xTicks: xTicks.filter((t) => t >= x0 - 1e-9 && t <= x1 + 1e-9 && (!xs.every(Number.isInteger) || Number.isInteger(t))),
    yTicks,
    plot,
  };
}

function axes(frame: ChartFrame, s: Scale, height: number): string {
  const { plot } = s;
  const fy = frame.yFormat ?? formatTick;
  const fx = frame.xFormat ?? formatTick;
  const parts: string[] = [];
  for (const t of s.yTicks) {
    const y = num(s.y(t));
    parts.push(`<line x1="${plot.left}" x2="${plot.right}" y1="${y}" y2="${y}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${plot.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11" fill="#374151">${escapeXml(fy(t))}</text>`);
  }
  for (const t of s.xTicks) {
    const x = num(s.x(t));
    parts.push(`<line x1="${x}" x2="${x}" y1="${plot.bottom}" y2="${plot.bottom + 4}" stroke="#6b7280"/>`);
    parts.push(`<text x="${x}" y="${plot.bottom + 16}" text-anchor="middle" font-size="11" fill="#374151">${escapeXml(fx(t))}</text>`);
  }
  parts.push(`<line x1="${plot.left}" x2="${plot.right}" y1="${plot.bottom}" y2="${plot.bottom}" stroke="#6b7280"/>`);
  parts.push(`<line x1="${plot.left}" x2="${plot.left}" y1="${plot.top}" y2="${plot.bottom}" stroke="#6b7280"/>`);
  parts.push(`<text x="${num((plot.left + plot.right) / 2)}" y="${height - 8}" text-anchor="middle" font-size="12" fill="#111827">${escapeXml(frame.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${num((plot.top + plot.bottom) / 2)}) rotate(-90)" text-anchor="middle" font-size="12" fill="#111827">${escapeXml(frame.yLabel)}</text>`);
  return parts.join('');
}

function legend(items: ReadonlyArray<{ name: string; color: string; dashed?: boolean; kind: 'line' | 'box' }>, width: number): string {
  const parts: string[] = [];
  let x = MARGIN.left;
  let y = 14;
  for (const item of items) {
    const w = 26 + item.name.length * 6.6;
    if (x + w > width - MARGIN.right && x > MARGIN.left) {
      x = MARGIN.left;
      y += 14;
    }
    if (item.kind === 'box') parts.push(`<rect x="${num(x)}" y="${y - 5}" width="12" height="10" fill="${item.color}"/>`);
    else parts.push(`<line x1="${num(x)}" x2="${num(x + 16)}" y1="${y}" y2="${y}" stroke="${item.color}" stroke-width="2.5"${item.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    parts.push(`<text x="${num(x + 20)}" y="${y}" dominant-baseline="middle" font-size="11" fill="#111827">${escapeXml(item.name)}</text>`);
    x += w + 10;
  }
  return parts.join('');
}

function open(frame: ChartFrame, kind: string, width: number, height: number, hasData: boolean): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${kind}" data-has-data="${hasData}" role="img" ` +
    `viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ${FONT}>` +
    `<title>${escapeXml(frame.title)}</title><rect width="${width}" height="${height}" fill="#ffffff"/>`
  );
}

/** A line chart: one path per series (gaps at null values), SLO lines, an optional marked point. */
export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 640;
  const height = spec.height ?? 300;
  const xs: number[] = [];
  const ys: number[] = [];
  const log = spec.yScale === 'log';
  const drawable = (y: number | null): y is number => y !== null && Number.isFinite(y) && (!log || y > 0);
  for (const s of spec.series) {
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x)) continue;
      xs.push(x);
      if (drawable(y)) ys.push(y);
    }
  }
  for (const r of spec.references ?? []) ys.push(r.y);
  if (spec.marker) ys.push(spec.marker.y);
  const sc = scale(spec, xs, ys, width, height);
  const parts: string[] = [open(spec, 'line', width, height, ys.length > 0), axes(spec, sc, height)];
  const items: { name: string; color: string; dashed?: boolean; kind: 'line' | 'box' }[] = [];
  spec.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    items.push({ name: s.name, color, dashed: s.dashed, kind: 'line' });
    let d = '';
    let pen = false;
    const dots: string[] = [];
    for (const [x, y] of s.points) {
      if (!drawable(y) || !Number.isFinite(x)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${num(sc.x(x))} ${num(sc.y(y))}`;
      if (!pen) dots.push(`${num(sc.x(x))} ${num(sc.y(y))}`);
      pen = true;
    }
    // A lone point has no segment; draw it as a dot so it stays visible.
    if (s.points.filter(([, y]) => drawable(y)).length === 1) parts.push(`<circle cx="${dots[0]?.split(' ')[0]}" cy="${dots[0]?.split(' ')[1]}" r="3" fill="${color}"/>`);
    parts.push(`<path class="series" data-series="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
  });
  (spec.references ?? []).forEach((r) => {
    const y = num(sc.y(r.y));
    const color = r.color ?? '#B91C1C';
    parts.push(`<line class="reference" x1="${sc.plot.left}" x2="${sc.plot.right}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="1.5" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${sc.plot.right - 4}" y="${Number(y) - 4}" text-anchor="end" font-size="11" fill="${color}">${escapeXml(r.label)}</text>`);
  });
  if (spec.marker) {
    const mx = num(sc.x(spec.marker.x));
    const my = num(sc.y(spec.marker.y));
    const anchor = sc.x(spec.marker.x) > (sc.plot.left + sc.plot.right) / 2 ? 'end' : 'start';
    const dx = anchor === 'end' ? -9 : 9;
    parts.push(`<circle class="marker" cx="${mx}" cy="${my}" r="6" fill="none" stroke="#111827" stroke-width="2"/>`);
    parts.push(`<text x="${num(Number(mx) + dx)}" y="${num(Number(my) - 9)}" text-anchor="${anchor}" font-size="11" font-weight="600" fill="#111827">${escapeXml(spec.marker.label)}</text>`);
  }
  parts.push(legend(items, width), '</svg>');
  return parts.join('');
}

/** Stacked bars: one bar per x value, one coloured layer per series, stacked bottom-up in order. */
export function stackedBars(spec: StackedBarSpec): string {
  const width = spec.width ?? 640;
  const height = spec.height ?? 300;
  const totals = spec.x.map((_, i) => spec.layers.reduce((s, l) => s + Math.max(0, l.values[i] ?? 0), 0));
  const sc = scale(spec, [...spec.x], totals.length ? totals : [], width, height, 0.5);
  const parts: string[] = [open(spec, 'bars', width, height, totals.some((t) => t > 0)), axes(spec, sc, height)];
  const barWidth = spec.x.length > 1 ? Math.max(1, (sc.x(spec.x[1]) - sc.x(spec.x[0])) * 0.8) : Math.max(8, (sc.plot.right - sc.plot.left) * 0.3);
  const base = spec.x.map(() => 0);
  const items: { name: string; color: string; kind: 'box' }[] = [];
  spec.layers.forEach((layer, li) => {
    const color = layer.color ?? PALETTE[li % PALETTE.length];
    let d = '';
    spec.x.forEach((x, i) => {
      const v = Math.max(0, layer.values[i] ?? 0);
      if (v <= 0) return;
      const top = sc.y(base[i] + v);
      const bottom = sc.y(base[i]);
      const left = sc.x(x) - barWidth / 2;
      d += `M${num(left)} ${num(bottom)}H${num(left + barWidth)}V${num(top)}H${num(left)}Z`;
      base[i] += v;
    });
    if (d === '') return; // an all-zero layer draws nothing and stays out of the legend
    items.push({ name: layer.name, color, kind: 'box' });
    parts.push(`<path class="series" data-series="${escapeXml(layer.name)}" d="${d}" fill="${color}"/>`);
  });
  parts.push(legend(items, width), '</svg>');
  return parts.join('');
}
