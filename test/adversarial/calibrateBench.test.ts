/**
 * Careless inputs to `capsim calibrate --bench`: each must end with exit 2, one message naming the
 * file (and line/column where there is one) and what was expected, no stack trace, no files.
 */
import { describe, it } from 'vitest';
import { checkCase } from './harness.js';

const HEADER = 'input_tokens,output_tokens,ttft_ms,e2e_ms,start_s\n';
const bench = ['calibrate', '--bench', 'b.csv', '--model', 'llama-3.1-8b', '--gpu', 'h100-sxm'];

describe('calibrate --bench rejects bad input with one clear message', () => {
  it.each([
    { name: 'missing column', files: { 'b.csv': 'input_tokens,output_tokens,ttft_ms\n10,5,20\n' }, args: bench, message: ['b.csv', 'e2e_ms'] },
    { name: 'e2e below ttft', files: { 'b.csv': `${HEADER}100,10,50,20,0\n` }, args: bench, message: ['b.csv:2', 'e2e_ms', '>= ttft_ms'] },
    { name: 'fractional tokens', files: { 'b.csv': `${HEADER}100.5,10,50,900,0\n` }, args: bench, message: ['b.csv:2', 'input_tokens', 'whole number'] },
    { name: 'no rows', files: { 'b.csv': HEADER }, args: bench, message: ['b.csv', 'no rows'] },
    { name: 'no start times and no load', files: { 'b.csv': 'input_tokens,output_tokens,ttft_ms,e2e_ms\n100,10,50,900\n' }, args: bench, message: ['--rate or --concurrency'] },
    { name: 'vllm JSON without per-request arrays', files: { 'b.json': '{"request_rate": 4, "mean_ttft_ms": 30}' }, args: ['calibrate', '--bench', 'b.json', '--model', 'llama-3.1-8b', '--gpu', 'h100-sxm'], message: ['b.json', 'input_lens', '--save-detailed'] },
    { name: 'broken JSON', files: { 'b.json': '{"input_lens": [1,' }, args: ['calibrate', '--bench', 'b.json', '--model', 'llama-3.1-8b', '--gpu', 'h100-sxm'], message: ['b.json', 'not valid JSON'] },
    { name: 'no model', files: { 'b.csv': `${HEADER}100,10,50,900,0\n` }, args: ['calibrate', '--bench', 'b.csv', '--gpu', 'h100-sxm'], message: ['--model'] },
    { name: 'unknown fit parameter', files: { 'b.csv': `${HEADER}100,10,50,900,0\n` }, args: [...bench, '--fit', 'speed'], message: ['--fit', 'speed', 'per_request'] },
    { name: 'missing file', files: {}, args: bench, message: ['b.csv', 'cannot read'] },
  ] as { name: string; files: Record<string, string>; args: string[]; message: string[] }[])('$name', async ({ args, files, message }) => {
    await checkCase({ name: String(args), args, options: { files }, message });
  });
});
