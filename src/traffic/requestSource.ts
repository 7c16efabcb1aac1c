import type { Scenario } from '../workload/scenario.js';
import { stream } from '../random/streams.js';
import { arrivalProcess } from './arrivalProcess.js';
import { tokenSampler, type TokenSampler } from './tokenSampler.js';
import { openTrace } from './trace/openTrace.js';
import type { Session } from './session.js';

/** A request as generated, before any serving decision. */
export interface Arrival {
  time: number;
  classIndex: number;
  /** Prompt tokens as the user sent them (before retrieval and compression). */
  promptTokens: number;
  outputTokens: number;
  hashIds: readonly number[] | null;
  /** The conversation it is a turn of (src/traffic/sessions.ts); absent outside sessions. */
  session?: Session;
}

/** Yields arrivals in time order, then null. Pulled one at a time: nothing is pre-generated. */
export type ArrivalSource = () => Arrival | null;

/**
 * Synthetic traffic: arrival times from `arrivals`, the class of each request from `classes`
 * (weighted), and its lengths from `prompt:<class>` and `output:<class>` — four independent
 * kinds of stream, so a change in one never moves the draws of another.
 */
export function syntheticSource(scenario: Scenario, horizonS: number): ArrivalSource {
  const nextTime = arrivalProcess(scenario.traffic, horizonS, stream(scenario.seed, 'arrivals'));
  const draw = requestDrawer(scenario);
  return () => {
    const time = nextTime();
    return time === Infinity ? null : draw(time);
  };
}

/**
 * A request of a class drawn by weight (stream `classes`), with lengths from `prompt:<class>` and
 * `output:<class>`, at a given time: shared by open-loop arrivals and closed-loop users.
 */
export function requestDrawer(scenario: Scenario): (time: number) => Arrival {
  const seed = scenario.seed;
  const pickClass = stream(seed, 'classes');
  const cumulative: number[] = [];
  let acc = 0;
  for (const c of scenario.classes) cumulative.push((acc += c.weight));
  const prompt: TokenSampler[] = scenario.classes.map((c) => tokenSampler(c.promptTokens!, stream(seed, `prompt:${c.name}`)));
  const output: TokenSampler[] = scenario.classes.map((c) => tokenSampler(c.outputTokens!, stream(seed, `output:${c.name}`)));
  const last = scenario.classes.length - 1;

  return (time) => {
    const x = pickClass() * acc;
    let classIndex = 0;
    while (classIndex < last && x >= cumulative[classIndex]) classIndex++;
    return { time, classIndex, promptTokens: prompt[classIndex](), outputTokens: output[classIndex](), hashIds: null };
  };
}

/**
 * A request of a given class at a given time, lengths from `prompt:<class>` and `output:<class>`
 * (the streams of requestDrawer): closed-loop users of a class's own population.
 */
export function requestOfClass(scenario: Scenario): (time: number, classIndex: number) => Arrival {
  const seed = scenario.seed;
  const prompt: TokenSampler[] = scenario.classes.map((c) => tokenSampler(c.promptTokens!, stream(seed, `prompt:${c.name}`)));
  const output: TokenSampler[] = scenario.classes.map((c) => tokenSampler(c.outputTokens!, stream(seed, `output:${c.name}`)));
  return (time, classIndex) => ({ time, classIndex, promptTokens: prompt[classIndex](), outputTokens: output[classIndex](), hashIds: null });
}

/**
 * Trace replay: arrival times and token counts from the file (streamed, one row at a time); the
 * class from the trace's class column through `class_map` (an unmapped value, or no column, goes
 * to the default class). A class with its own length distribution overrides the trace's counts.
 *
 * With `arrival: poisson | gamma` (or a length-only trace, which has no times), arrival times come
 * from the synthetic process at `rate` until the horizon, and the trace supplies only the rows'
 * lengths and classes, in file order, starting over at the first row whenever the file (or its
 * window) is exhausted: a 30-row trace at `rate: 100` for 30 s gives about 3,000 requests.
 */
export function traceSource(scenario: Scenario, horizonS: number, skipBadRowsFlag = false): ArrivalSource {
  const spec = scenario.traffic.trace!;
  const skipBadRows = skipBadRowsFlag || spec.skipBadRows === true;
  const synthetic = scenario.traffic.arrival !== 'trace';
  const open = () =>
    synthetic
      ? openTrace({ ...spec, loop: false }, { durationS: null, skipBadRows })
      : openTrace(spec, { durationS: scenario.durationS, skipBadRows });
  let reader = open();
  const seed = scenario.seed;
  const classIndex = new Map(scenario.classes.map((c, i) => [c.name, i] as const));
  const defaultIndex = classIndex.get(spec.defaultClass) ?? 0;
  const byKey = new Map<string, number>();
  const classOf = (key: string | null): number => {
    if (key === null) return defaultIndex;
    let i = byKey.get(key);
    if (i === undefined) {
      const name = spec.classMap?.[key] ?? key;
      i = classIndex.get(name) ?? defaultIndex;
      byKey.set(key, i);
    }
    return i;
  };
  const prompt = scenario.classes.map((c) => (c.promptTokens ? tokenSampler(c.promptTokens, stream(seed, `prompt:${c.name}`)) : null));
  const output = scenario.classes.map((c) => (c.outputTokens ? tokenSampler(c.outputTokens, stream(seed, `output:${c.name}`)) : null));
  const syntheticTime = reader.hasTimes && !synthetic ? null : arrivalProcess(scenario.traffic, horizonS, stream(seed, 'arrivals'));

  return () => {
    let row = reader.next();
    if (row === null && syntheticTime !== null && synthetic && reader.rows > 0) {
      reader = open(); // lengths only: start over at the first row
      row = reader.next();
    }
    if (row === null) return null;
    const time = syntheticTime ? syntheticTime() : row.timeS;
    if (time === Infinity || time >= horizonS) {
      reader.close();
      return null;
    }
    const c = classOf(row.classKey);
    return {
      time,
      classIndex: c,
      promptTokens: prompt[c]?.() ?? row.promptTokens,
      outputTokens: output[c]?.() ?? row.outputTokens,
      hashIds: row.hashIds,
    };
  };
}
