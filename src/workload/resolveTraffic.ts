/**
 * `traffic:` and `duration`: the arrival process, the daily profile and a trace.
 * With `arrival: trace` (the default when a trace is given) the trace supplies arrival times and
 * token counts; with `arrival: poisson | gamma` and a trace, times are synthetic (`rate`) and the
 * trace supplies only the token counts, in file order (e.g. a Vidur file without times).
 */
import { existsSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { Problems } from './problems.js';
import type { TraceDoc, WorkloadDoc } from './schema.js';
import type { ThinkTime, TraceSpec, TrafficSpec } from './scenario.js';
import { didYouMean } from './suggest.js';

export const DEFAULT_DURATION_S = 24 * 3600;
const DAY_S = 24 * 3600;

export interface TrafficContext {
  readonly classNames: readonly string[];
  /** Where relative trace paths are looked up. */
  readonly folder: string;
}

export function resolveTraffic(doc: WorkloadDoc, ctx: TrafficContext, problems: Problems): TrafficSpec {
  const t = doc.traffic;
  const arrival = t.arrival ?? (t.trace ? 'trace' : 'poisson');
  if (arrival === 'trace' && !t.trace) {
    problems.add(['traffic', 'arrival'], 'arrival: trace needs traffic.trace: {file, format}');
  }
  const closed = arrival === 'closed';
  // `requests_per_day: N` is `rate: N / 86400`: the mean day's total (rateByHour).
  const perDay = t.requests_per_day;
  if (perDay !== undefined && t.rate !== undefined) {
    problems.add(['traffic', 'requests_per_day'], `give either rate (${t.rate}/s) or requests_per_day (${perDay}), not both`);
  }
  if (perDay !== undefined && closed) {
    problems.add(['traffic', 'requests_per_day'], 'does not apply with arrival: closed: the users set the load (users and think_time)');
  }
  const rate = t.rate ?? (perDay === undefined ? undefined : perDay / DAY_S);
  // Closed loop: one population (traffic.users, classes drawn by weight) or one per class (classes[].users).
  const classUsers = doc.classes.map((c) => c.users);
  const perClass = classUsers.some((u) => u !== undefined);
  doc.classes.forEach((c, i) => {
    for (const key of ['users', 'think_time'] as const) {
      if (c[key] !== undefined && !closed) problems.add(['classes', i, key], 'applies only with traffic.arrival: closed');
    }
    if (closed && perClass && c.users === undefined) {
      problems.add(['classes', i, 'users'], `is required: another class has its own users (a population per class); give every class users, or give traffic.users instead`);
    }
  });
  if (closed && perClass && t.users !== undefined) {
    problems.add(['traffic', 'users'], 'give either traffic.users (one population, classes drawn by weight) or users on every class (a population per class), not both');
  }
  if (closed) {
    if (t.users === undefined && !perClass) problems.add(['traffic', 'users'], 'is required with arrival: closed: the number of concurrent users (e.g. users: 64), or users on every class');
    if (t.trace) problems.add(['traffic', 'trace'], 'does not apply with arrival: closed (users draw requests from the classes)');
    if (t.rate !== undefined) problems.add(['traffic', 'rate'], 'does not apply with arrival: closed: the users set the load (users and think_time)');
  } else {
    for (const key of ['users', 'think_time'] as const) {
      if (t[key] !== undefined) problems.add(['traffic', key], 'applies only with arrival: closed');
    }
  }
  if (!closed && arrival !== 'trace' && rate === undefined) {
    const why = t.trace ? `with arrival: ${arrival}, the trace supplies only token counts` : 'unless the traffic is a trace';
    problems.add(['traffic', 'rate'], `is required: mean arrivals per second (e.g. rate: 20), or requests_per_day (e.g. requests_per_day: 300000), ${why}`);
  }
  let dailyProfile: number[] | null = null;
  if (t.daily_profile) {
    const sum = t.daily_profile.reduce((a, b) => a + b, 0);
    if (sum <= 0) problems.add(['traffic', 'daily_profile'], 'must not be all zero');
    else dailyProfile = t.daily_profile.map((w) => (w * 24) / sum);
  }
  if (arrival === 'trace') {
    for (const key of ['weekly_profile', 'growth'] as const) {
      if (t[key] !== undefined) problems.add(['traffic', key], 'applies only to synthetic arrivals (poisson or gamma); a trace with times keeps its own');
    }
  }
  let weeklyProfile: number[] | null = null;
  if (t.weekly_profile) {
    const sum = t.weekly_profile.reduce((a, b) => a + b, 0);
    if (sum <= 0) problems.add(['traffic', 'weekly_profile'], 'must not be all zero');
    else weeklyProfile = t.weekly_profile.map((w) => (w * 7) / sum);
  }
  return {
    ratePerS: rate ?? 0,
    arrival,
    burstiness: t.burstiness ?? 1,
    users: closed ? (perClass ? classUsers.reduce<number>((n, u) => n + (u ?? 0), 0) : (t.users ?? 0)) : 0,
    thinkTime: closed ? thinkTimeOf(t.think_time) : null,
    dailyProfile,
    weeklyProfile,
    growth: t.growth ? { perS: t.growth.per, rate: t.growth.rate } : null,
    trace: t.trace ? resolveTrace(t.trace, ctx, problems) : null,
  };
}

type ThinkDoc = NonNullable<WorkloadDoc['traffic']['think_time']>;

/** `think_time` (of the traffic, a class or a class's session): a bare duration is fixed; absent is 0 (benchmark mode). */
export function thinkTimeOf(doc: ThinkDoc | undefined): ThinkTime {
  if (doc === undefined) return { dist: 'fixed', meanS: 0 };
  if (typeof doc === 'number') return { dist: 'fixed', meanS: doc };
  return { dist: doc.mean === 0 ? 'fixed' : doc.dist, meanS: doc.mean };
}

/** The horizon: `duration`, or 24 h, or null for a trace replayed once without `duration`. */
export function resolveDurationS(doc: WorkloadDoc): number | null {
  if (doc.duration !== undefined) return doc.duration;
  const t = doc.traffic;
  const replayOnce = (t.arrival === 'trace' || (t.arrival === undefined && t.trace)) && !t.trace?.loop;
  return replayOnce ? null : DEFAULT_DURATION_S;
}

function resolveTrace(doc: TraceDoc, ctx: TrafficContext, problems: Problems): TraceSpec {
  const at = ['traffic', 'trace'] as const;
  const file = resolvePath(ctx.folder, doc.file);
  if (!existsSync(file)) problems.add([...at, 'file'], `file not found: ${file}`);
  else if (!statSync(file).isFile()) problems.add([...at, 'file'], `is not a file: ${file}`);

  let columns: TraceSpec['columns'] = null;
  if (doc.format === 'csv') {
    const c = doc.columns;
    if (!c) problems.add([...at, 'columns'], 'is required with format: csv: {time, time_unit, prompt, output}');
    else {
      for (const key of ['time', 'prompt', 'output'] as const) {
        if (c[key] === undefined) problems.add([...at, 'columns', key], 'is required with format: csv (the column name)');
      }
      columns = { time: c.time ?? '', timeUnit: c.time_unit ?? 's', prompt: c.prompt ?? '', output: c.output ?? '', class: c.class ?? null };
    }
  } else if (doc.columns) {
    problems.add([...at, 'columns'], `applies only to format: csv (format ${doc.format} has fixed columns)`);
  }
  if (doc.start !== undefined && doc.end !== undefined && doc.end <= doc.start) {
    problems.add([...at, 'end'], `must be after start (${doc.start} s), got ${doc.end} s`);
  }

  if (doc.block_tokens !== undefined && doc.format !== 'mooncake') {
    problems.add([...at, 'block_tokens'], `applies only to format: mooncake (the format whose rows carry hash_ids), not ${doc.format}`);
  }

  const classColumn = doc.class_column ?? null;
  const knownClass = (name: string, path: readonly (string | number)[]): void => {
    if (ctx.classNames.includes(name)) return;
    const hint = didYouMean(name, ctx.classNames);
    problems.add(path, `unknown class '${name}'${hint ? `; ${hint}` : `; the classes are ${ctx.classNames.join(', ')}`}`);
  };
  if (doc.class_map) {
    if (classColumn === null && columns?.class == null) {
      problems.add([...at, 'class_map'], 'needs class_column: the trace column whose values it maps');
    }
    for (const [value, name] of Object.entries(doc.class_map)) knownClass(name, [...at, 'class_map', value]);
  }
  let defaultClass = ctx.classNames[0] ?? '';
  if (doc.class !== undefined) {
    knownClass(doc.class, [...at, 'class']);
    defaultClass = doc.class;
  } else if (ctx.classNames.length > 1 && classColumn === null && columns?.class == null) {
    problems.add([...at, 'class'], `is required: the workload has ${ctx.classNames.length} classes; name the class of the trace's rows, or give class_column`);
  }
  return {
    file,
    format: doc.format,
    speedup: doc.speedup ?? 1,
    loop: doc.loop ?? false,
    startS: doc.start ?? null,
    endS: doc.end ?? null,
    columns,
    classColumn,
    classMap: doc.class_map ? { ...doc.class_map } : null,
    defaultClass,
    ...(doc.skip_bad_rows ? { skipBadRows: true as const } : {}),
    ...(doc.block_tokens !== undefined ? { blockTokens: doc.block_tokens } : {}),
  };
}
