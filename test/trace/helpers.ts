import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TraceFormat, TraceSpec } from '../../src/workload/scenario.js';
import type { TraceReader, TraceRow } from '../../src/traffic/trace/openTrace.js';

/** The folder with package.json. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const reference = (...parts: string[]) => path.resolve(repoRoot, 'data/reference', ...parts);
export const fixture = (name: string) => path.resolve(repoRoot, 'test/fixtures/traces', name);

export const AZURE_CODE = reference('traces/azure_llm_2023/AzureLLMInferenceTrace_code.csv');
export const AZURE_CONV = reference('traces/azure_llm_2023/AzureLLMInferenceTrace_conv.csv');
export const MOONCAKE_CONV = reference('traces/mooncake/conversation_trace.jsonl');
export const VIDUR_CONV = reference('vidur/data/processed_traces/splitwise_conv.csv');
export const VIDUR_CODE = reference('vidur/data/processed_traces/splitwise_code.csv');
export const VIDUR_ARXIV = reference('vidur/data/processed_traces/arxiv_summarization_stats_llama2_tokenizer_filtered_v2.csv');

export function traceSpec(file: string, format: TraceFormat, more: Partial<TraceSpec> = {}): TraceSpec {
  return {
    file,
    format,
    speedup: 1,
    loop: false,
    startS: null,
    endS: null,
    columns: null,
    classColumn: null,
    classMap: null,
    defaultClass: 'default',
    ...more,
  };
}

export function readAll(reader: TraceReader): TraceRow[] {
  const rows: TraceRow[] = [];
  for (let row = reader.next(); row !== null; row = reader.next()) rows.push(row);
  return rows;
}

/** A temporary folder removed by the returned cleanup. */
export function tempDir(): { dir: string; write(name: string, text: string): string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'capsim-trace-'));
  return {
    dir,
    write(name, text) {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Open file descriptors of this process (Linux). */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}
