#!/usr/bin/env node
/**
 * Writes workloads/workload.schema.json, the JSON Schema editors use to complete and check
 * workload files (`# yaml-language-server: $schema=./workload.schema.json` on a file's first
 * line). Generated from the zod schema in src/workload/schema.ts, so the two never disagree;
 * test/init/schema.test.ts regenerates it and fails when the committed file is stale.
 *
 *   npm run build && node scripts/schema.mjs
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';

export const SCHEMA_FILE = fileURLToPath(new URL('../workloads/workload.schema.json', import.meta.url));

const DURATION = {
  description: 'a duration: a number of seconds, or a string with a unit (250ms, 2s, 5m, 1h, 24h, 180d, 3y)',
  anyOf: [
    { type: 'number', minimum: 0 },
    { type: 'string', pattern: '^\\s*[0-9]*\\.?[0-9]+(?:e[+-]?[0-9]+)?\\s*(us|µs|ms|s|m|h|d|y)\\s*$' },
  ],
};
const PARAM_COUNT = {
  description: 'a parameter count: a number, or a string with a suffix (8b, 70B, 1.5t)',
  anyOf: [
    { type: 'number', exclusiveMinimum: 0 },
    { type: 'string', pattern: '^\\s*[0-9]*\\.?[0-9]+(?:e[+-]?[0-9]+)?\\s*[kmbtKMBT]?\\s*$' },
  ],
};
const BANDWIDTH = {
  description: 'a bandwidth: a number of bytes per second, or a string with a unit (50GB/s, 400Gb/s)',
  anyOf: [
    { type: 'number', exclusiveMinimum: 0 },
    { type: 'string', pattern: '^\\s*[0-9]*\\.?[0-9]+(?:e[+-]?[0-9]+)?\\s*(B/s|KB/s|MB/s|GB/s|TB/s|Kb/s|Mb/s|Gb/s|Tb/s|Gbps)\\s*$' },
  ],
};

/**
 * The workload file's JSON Schema (draft 2020-12) from its zod schema. Durations and parameter
 * counts and bandwidths (zod transforms, which JSON Schema cannot express) become
 * number-or-string-with-unit;
 * mappings that reject unknown keys get `additionalProperties: false`.
 *
 * @param {import('zod').ZodType} workloadSchema
 * @returns {object}
 */
export function workloadJsonSchema(workloadSchema) {
  const schema = z.toJSONSchema(workloadSchema, {
    io: 'input',
    unrepresentable: 'any',
    override(ctx) {
      const def = ctx.zodSchema._zod.def;
      if (def.type !== 'pipe' || def.out?._zod?.def?.type !== 'transform') return;
      for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
      const template = ctx.zodSchema.safeParse('1s').success
        ? DURATION
        : ctx.zodSchema.safeParse('8b').success
          ? PARAM_COUNT
          : ctx.zodSchema.safeParse('50GB/s').success
            ? BANDWIDTH
            : null;
      if (template) Object.assign(ctx.jsonSchema, structuredClone(template));
    },
  });
  closeObjects(schema);
  return {
    $schema: schema.$schema,
    title: 'capsim workload',
    description: 'A capsim workload file: traffic, request classes, model, GPUs, serving, caches, hosted API and costs. See docs/workload.md.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}

/** `additionalProperties: {}` (zod's catch-all that rejects unknown keys) -> `false`. */
function closeObjects(node) {
  if (Array.isArray(node)) return node.forEach(closeObjects);
  if (node === null || typeof node !== 'object') return;
  if (node.type === 'object' && node.properties && isEmpty(node.additionalProperties)) node.additionalProperties = false;
  for (const value of Object.values(node)) closeObjects(value);
}

function isEmpty(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
}

/** The file's text: 2-space JSON with a trailing newline. */
export function workloadJsonSchemaText(workloadSchema) {
  return `${JSON.stringify(workloadJsonSchema(workloadSchema), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { workloadSchema } = await import('../dist/workload/schema.js');
  writeFileSync(SCHEMA_FILE, workloadJsonSchemaText(workloadSchema));
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
