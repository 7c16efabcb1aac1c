import { Option } from 'commander';
import { loadCatalog } from '../../catalog/catalog.js';
import { EXIT, guarded } from '../context.js';
import type { RegisterCommand } from './index.js';

interface CatalogFlags {
  json?: boolean;
  debug?: boolean;
}

export const registerCatalog: RegisterCommand = (program, io, done) => {
  program
    .command('catalog')
    .description('list the built-in GPUs, models and hosted-API prices, with their figures and sources')
    .addOption(new Option('--json', 'print the catalog as JSON'))
    .addOption(new Option('--debug', 'show stack traces of internal errors'))
    .action(async (flags: CatalogFlags) => {
      done(
        await guarded(io, Boolean(flags.debug), () => {
          io.out(flags.json ? `${JSON.stringify(catalogJson(), null, 2)}\n` : catalogText());
          return EXIT.ok;
        }),
      );
    });
};

/** The catalog as the file states it (snake_case keys, every figure with its source). */
export function catalogJson(): unknown {
  const c = loadCatalog();
  const named = <T extends object>(record: Readonly<Record<string, T>>) =>
    Object.entries(record).map(([name, entry]) => ({ name, ...entry }));
  return {
    file: c.file,
    gpus: named(c.raw.gpus),
    models: named(c.raw.models),
    apis: named(c.raw.apis),
    pricing_multipliers: c.raw.pricing_multipliers,
  };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

const num = (v: number | null | undefined, digits = 0): string => (v === null || v === undefined ? '-' : v.toFixed(digits));

export function catalogText(): string {
  const c = loadCatalog();
  const out: string[] = [`capsim catalog (${c.file})`, '', 'GPUs (dense tensor TFLOPS; on-demand USD per GPU-hour)'];
  const gpus = Object.entries(c.raw.gpus);
  out.push(
    ...table(
      ['name', 'mem GB', 'TB/s', 'BF16', 'FP8', 'FP8 compute', 'TDP W', 'idle W', 'link GB/s', '$/h', 'price date'],
      gpus.map(([name, g]) => [
        name, num(g.memory_gb), num(g.bandwidth_tbps, 3), num(g.bf16_tflops), num(g.fp8_tflops),
        g.fp8_tflops ? 'yes' : 'weight-only', num(g.tdp_w),
        num(g.idle_w, 1), g.interconnect_gbps ? num(g.interconnect_gbps) : 'PCIe', num(g.price_per_hour, 4), g.price_date,
      ]),
    ),
  );
  out.push('', 'GPU sources');
  for (const [name, g] of gpus) {
    out.push(`  ${name}`, `    figures: ${g.source} (${g.date})`, `    price:   ${g.price_provider}; ${g.price_source} (${g.price_date})`);
    for (const [field, why] of Object.entries(g.flags ?? {})) out.push(`    ${field}: ${why}`);
  }
  out.push('  idle_w of every GPU: ASSUMPTION, 15% of TDP (see catalog.yaml)');
  out.push(
    '  FP8 compute: "yes" runs precision.weights fp8 on FP8 tensor cores (W8A8); "weight-only" GPUs have no FP8',
    '    units: FP8 (and INT4) weights are dequantized to BF16 (W8A16/W4A16), saving memory and bandwidth, not FLOPs',
  );

  out.push('', 'Models (params in billions; KV KiB per token in BF16)');
  const models = Object.entries(c.raw.models);
  out.push(
    ...table(
      ['name', 'params', 'active', 'layers', 'hidden', 'heads', 'kv heads', 'head dim', 'mlp', 'vocab', 'KV KiB/tok', 'date'],
      models.map(([name, m]) => [
        name, num(m.params_b, 2), num(m.active_params_b ?? m.params_b, 2), num(m.layers), num(m.hidden_size),
        num(m.attention_heads), num(m.kv_heads), num(m.head_dim), num(m.mlp_size), num(m.vocab_size),
        num((2 * m.layers * m.kv_heads * m.head_dim * 2) / 1024), m.date,
      ]),
    ),
  );
  out.push('', 'Model sources');
  for (const [name, m] of models) out.push(`  ${name}: ${m.source} (${m.date})`);

  out.push('', 'Hosted APIs (USD per million tokens, standard tier)');
  const apis = Object.entries(c.raw.apis);
  out.push(
    ...table(
      ['name', 'input', 'output', 'date'],
      apis.map(([name, a]) => [name, num(a.input_per_million, 2), num(a.output_per_million, 2), a.date]),
    ),
  );
  out.push('', 'API price sources');
  for (const [name, a] of apis) out.push(`  ${name}: ${a.source} (${a.date})`);
  out.push('  ttft / tokens_per_second: no catalog figures; workload defaults apply (500 ms, 90 tokens/s)');

  const pm = c.raw.pricing_multipliers;
  out.push(
    '',
    `Pricing multipliers (ASSUMPTION, fractions of on-demand): spot ${pm.spot}, reserved ${pm.reserved}`,
    '  used for fleet.pricing: spot | reserved without an explicit price; see catalog.yaml for the reasoning',
  );
  return `${out.join('\n')}\n`;
}
