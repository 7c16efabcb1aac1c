import type { TraceSpec } from '../../workload/scenario.js';
import type { LineReader } from './lineReader.js';
import { checkCount, clip, KeyInterner, RowProblem, shownJson, type RawRow, type RowSource } from './rowSource.js';

/**
 * Mooncake (Kimi) traces, JSON Lines: `{"timestamp": ms from the start, "input_length",
 * "output_length", "hash_ids": [...]}`. `hash_ids` are the prompt's KV-cache blocks of 512
 * tokens; equal leading ids between two requests mean a shared prefix. Other keys are ignored;
 * `class_column` names a key whose value (string or number) is the class key.
 */
export const MOONCAKE_BLOCK_TOKENS = 512;

export function mooncakeRows(lines: LineReader, spec: TraceSpec): RowSource {
  const keys = new KeyInterner();
  const classKey = spec.classColumn;
  let line = 0;
  return {
    hasTimes: true,
    originEpochS: 0,
    get line() {
      return line;
    },
    read(out: RawRow): boolean {
      let text = lines.next();
      while (text !== null && text.trim() === '') text = lines.next();
      if (text === null) return false;
      line = lines.lineNo;
      let row: unknown;
      try {
        row = JSON.parse(text);
      } catch (error) {
        const why = (error as Error).message;
        throw new RowProblem('', `expected one JSON object per line, found invalid JSON (${why}): ${clip(text)}`);
      }
      if (row === null || typeof row !== 'object' || Array.isArray(row)) {
        throw new RowProblem('', `expected one JSON object per line, found ${clip(text)}`);
      }
      const r = row as Record<string, unknown>;
      const t = r.timestamp;
      if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) {
        const found = t === undefined ? 'nothing' : shownJson(t);
        throw new RowProblem('timestamp', `expected milliseconds >= 0 from the start of the trace, found ${found}`);
      }
      out.timeS = t / 1000;
      out.promptTokens = checkCount(r.input_length, 'input_length', 1);
      out.outputTokens = checkCount(r.output_length, 'output_length', 0);
      out.failed = out.outputTokens === 0;
      out.hashIds = r.hash_ids === undefined || r.hash_ids === null ? null : checkHashIds(r.hash_ids);
      out.classKey = null;
      if (classKey !== null) {
        const k = r[classKey];
        if (k === undefined) {
          throw new RowProblem(classKey, `the class key "${classKey}" (traffic.trace.class_column) is missing from this row`);
        }
        out.classKey = k === null ? null : keys.intern(typeof k === 'string' ? k : shownJson(k));
      }
      return true;
    },
  };
}

function checkHashIds(ids: unknown): number[] {
  if (!Array.isArray(ids)) throw new RowProblem('hash_ids', `expected an array of block ids, found ${shownJson(ids)}`);
  for (let i = 0; i < ids.length; i++) {
    const id: unknown = ids[i];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new RowProblem('hash_ids', `expected whole block ids >= 0, found ${shownJson(id)} at index ${i}`);
    }
  }
  return ids as number[];
}
