import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { workloadSchema } from '../../src/workload/schema.js';
// @ts-expect-error: a plain .mjs script without type declarations
import { SCHEMA_FILE, workloadJsonSchema, workloadJsonSchemaText } from '../../scripts/schema.mjs';

describe('workloads/workload.schema.json', () => {
  it('is what scripts/schema.mjs generates from the zod schema (run `npm run build && node scripts/schema.mjs`)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(workloadJsonSchemaText(workloadSchema));
  });

  it('describes durations as a number or a string with a unit, and closes mappings to unknown keys', () => {
    const schema = workloadJsonSchema(workloadSchema);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['traffic', 'classes']);
    const duration = schema.properties.duration;
    expect(duration.anyOf.map((s: { type: string }) => s.type)).toEqual(['number', 'string']);
    const pattern = new RegExp(duration.anyOf[1].pattern);
    for (const ok of ['250ms', '2s', '5m', '1h', '24h', '180d', '1.5 s']) expect(pattern.test(ok)).toBe(true);
    for (const bad of ['2', 'soon', '5 minutes']) expect(pattern.test(bad)).toBe(false);
    expect(schema.properties.classes.items.properties.slo.properties.ttft.anyOf).toHaveLength(2);
    expect(schema.properties.classes.items.additionalProperties).toBe(false);
  });

  it('accepts the bundled workload in shape (top-level keys and class keys it uses are known)', () => {
    const schema = workloadJsonSchema(workloadSchema);
    const doc = parse(readFileSync('workloads/chatbot.yaml', 'utf8'));
    for (const key of Object.keys(doc)) expect(Object.keys(schema.properties)).toContain(key);
    for (const key of Object.keys(doc.classes[0])) expect(Object.keys(schema.properties.classes.items.properties)).toContain(key);
  });
});
