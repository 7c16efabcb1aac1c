import { InvalidArgumentError, Option, type Command } from 'commander';

/** Flags shared by the commands that load a workload, declared once (PRODUCT.md: common flags). */
export interface WorkloadFlags {
  out?: string;
  seed?: number;
  set: string[];
  quiet?: boolean;
  json?: boolean;
  debug?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function parseSeed(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number >= 0, got '${value}'`);
  return Number(value);
}

export const WORKLOAD_OPTIONS: readonly Option[] = [
  new Option('--out <dir>', 'output folder (default: results/<workload name>/)'),
  new Option('--seed <n>', 'seed, overrides the file').argParser(parseSeed),
  new Option('--set <key=value>', 'override a YAML key by dotted path (repeatable)').argParser(collect).default([]),
  new Option('--quiet', 'print nothing but errors'),
  new Option('--json', 'print a machine-readable summary on stdout'),
  new Option('--debug', 'show stack traces of internal errors'),
];

export function addWorkloadOptions(command: Command): Command {
  for (const option of WORKLOAD_OPTIONS) command.addOption(option);
  return command;
}
