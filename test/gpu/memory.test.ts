import { describe, expect, it } from 'vitest';
import { findGpu, findModel } from '../../src/catalog/catalog.js';
import { fitError, kvBytesPerToken, kvCapacityTokens, weightBytes } from '../../src/gpu/memory.js';

const gpu = (n: string) => findGpu(n)!;
const model = (n: string) => findModel(n)!;

describe('memory', () => {
  it('weights and KV bytes per token (catalog-facts.md section E: 128 KiB/token for llama-3.1-8b)', () => {
    expect(weightBytes(model('llama-3.1-8b'))).toBe(16.06e9);
    expect(kvBytesPerToken(model('llama-3.1-8b'))).toBe(2 * 32 * 8 * 128 * 2);
    expect(kvBytesPerToken(model('llama-3.1-8b'))).toBe(128 * 1024);
    expect(kvBytesPerToken(model('llama-2-7b'))).toBe(512 * 1024);
    expect(kvBytesPerToken(model('llama-3.1-405b'))).toBe(504 * 1024);
  });

  it('KV capacity of llama-3.1-8b on one h100-sxm at 0.9, by hand', () => {
    const usable = 80e9 * 0.9; // 72 GB
    const weights = 8.03e9 * 2; // 16.06 GB
    const reserve = 2 ** 30 + 8192 * (2 * 14336 + 4 * 4096) * 2 + 256 * 128256 * 4; // 1.94 GB
    const tokens = (usable - weights - reserve) / 131072; // 411,962.3
    const expected = Math.floor(tokens / 16) * 16;
    expect(expected).toBe(411952);
    expect(kvCapacityTokens(model('llama-3.1-8b'), gpu('h100-sxm'), 1, 0.9)).toBe(expected);
  });

  it('TP multiplies memory; KV heads are replicated beyond kv_heads', () => {
    const m = model('llama-3.1-70b');
    expect(kvCapacityTokens(m, gpu('h100-sxm'), 1, 0.9)).toBe(0);
    expect(kvCapacityTokens(m, gpu('h100-sxm'), 4, 0.9)).toBeGreaterThan(400_000);
    const q = model('qwen2.5-7b'); // 4 KV heads: at TP 8 each GPU still stores one head
    const at4 = kvCapacityTokens(q, gpu('l4'), 4, 0.9);
    const at8 = kvCapacityTokens(q, gpu('l4'), 8, 0.9);
    expect(at8 / at4).toBeGreaterThan(0.9);
    expect(at8 / at4).toBeLessThan(1.3);
  });

  it('fitError says how many GPUs are needed', () => {
    expect(fitError(model('llama-3.1-8b'), gpu('h100-sxm'), 1, 0.9)).toBeNull();
    expect(fitError(model('llama-3.1-70b'), gpu('h100-sxm'), 1, 0.9)).toBe(
      'llama-3.1-70b needs at least 4 x h100-sxm per replica (141 GB of weights); set fleet.gpus_per_replica',
    );
    expect(fitError(model('llama-3.1-70b'), gpu('h100-sxm'), 4, 0.9)).toBeNull();
    expect(fitError(model('llama-3.1-70b'), gpu('h200'), 2, 0.9)).toBeNull();
    expect(fitError(model('llama-3.1-405b'), gpu('h100-sxm'), 8, 0.9)).toMatch(/does not fit on 8 x h100-sxm \(810 GB/);
    expect(fitError(model('llama-3.1-405b'), gpu('mi300x'), 8, 0.9)).toBeNull();
    expect(fitError(model('llama-3.1-8b'), gpu('h100-sxm'), 16, 0.9)).toMatch(/from 1 to 8/);
    expect(fitError(model('llama-3.1-8b'), gpu('h100-sxm'), 3, 0.9)).toMatch(/one of 1, 2, 4, 8/);
    expect(fitError(model('llama-3.2-3b'), gpu('l4'), 3, 0.9)).toBeNull();
  });
});
