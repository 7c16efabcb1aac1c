import { Document, isScalar, visit } from 'yaml';
import { loadWorkloadChecked } from '../../workload/load.js';
import { printWarnings } from '../warnings.js';
import { Z_99 } from '../../workload/resolveTokenDist.js';
import type { Scenario, TokenDist } from '../../workload/scenario.js';
import { EXIT, guarded } from '../context.js';
import { WORKLOAD_OPTIONS, type WorkloadFlags } from '../options.js';
import type { RegisterCommand } from './index.js';

const FLAGS = new Set(['--set', '--seed', '--json', '--debug']);

/**
 * `capsim validate <workload>`: resolves the workload and prints it with every default filled
 * in (readable YAML, or JSON with --json), or prints every problem and exits 2.
 */
export const registerValidate: RegisterCommand = (program, io, done) => {
  const command = program
    .command('validate')
    .description('check a workload file and print the resolved configuration, or every error')
    .argument('<workload>', 'workload file (YAML or JSON)')
    .addHelpText(
      'after',
      `
Keys are printed in snake_case with their unit as a suffix: _s seconds, _per_s per second,
_gb gigabytes, _w watts; money is USD. A max of .inf (null in JSON) means uncapped.

Examples:
  capsim validate workloads/chatbot.yaml
  capsim validate my.yaml --set fleet.gpus=12 --set classes[0].slo.ttft=500ms --json`,
    );
  for (const option of WORKLOAD_OPTIONS) if (FLAGS.has(option.long ?? '')) command.addOption(option);
  command.action(async (file: string, flags: WorkloadFlags) => {
    done(
      await guarded(io, Boolean(flags.debug), () => {
        const { scenario, warnings } = loadWorkloadChecked(file, { set: flags.set, seed: flags.seed });
        printWarnings(io, warnings);
        const shown = presentScenario(scenario);
        if (flags.json) io.out(`${JSON.stringify(shown, jsonNumbers, 2)}\n`);
        else io.out(`# ${file}: valid. Resolved with every default filled in.\n${readableYaml(shown)}`);
        return EXIT.ok;
      }),
    );
  });
};

/** Keys whose values are mappings of user-chosen names (kept as written). */
const NAMED_RECORDS = new Set(['hourly', 'perRequest', 'amortizedPerHour', 'classMap']);

/**
 * The scenario as printed: snake_case keys with unit suffixes (`durationS` -> `duration_s`),
 * lognormals with their median and p99 beside mu and sigma, and empirical distributions with
 * the count of their values instead of the values.
 */
export function presentScenario(scenario: Scenario): unknown {
  return present(scenario);
}

function present(value: unknown, key = ''): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => present(v));
  if (NAMED_RECORDS.has(key)) return { ...value };
  const source = 'dist' in value ? presentDist(value as TokenDist) : (value as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(source)) out[snake(k)] = present(v, k);
  return out;
}

function presentDist(dist: TokenDist): Record<string, unknown> {
  if (dist.dist === 'lognormal') {
    return {
      ...dist,
      median: round(Math.exp(dist.mu)),
      p99: round(Math.exp(dist.mu + Z_99 * dist.sigma)),
      mean: round(Math.exp(dist.mu + (dist.sigma * dist.sigma) / 2)),
    };
  }
  if (dist.dist === 'empirical') {
    const { values, ...rest } = dist;
    return { ...rest, valueCount: values.length };
  }
  return { ...dist };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function snake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** YAML for people: numbers to 4 significant digits (--json has them exact), lists of numbers on one line. */
export function readableYaml(value: unknown): string {
  const doc = new Document(value);
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'number' && Number.isFinite(node.value) && !Number.isInteger(node.value)) {
        node.value = Number(node.value.toPrecision(4));
      }
    },
    Seq(_key, node) {
      if (node.items.length > 0 && node.items.every((item) => isScalar(item) && typeof item.value === 'number')) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/** JSON has no Infinity: an uncapped `max` prints as null. */
export function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
