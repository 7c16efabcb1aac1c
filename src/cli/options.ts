import { InvalidArgumentError, Option, type Command } from 'commander';

/** Flags shared by the commands that load a workload, declared once (docs/cli.md: shared flags). */
export interface WorkloadFlags {
  out?: string;
  seed?: number;
  set: string[];
  quiet?: boolean;
  json?: boolean;
  debug?: boolean;
}

/** Parser of a repeatable flag: collects its values in order. */
export const collect = (value: string, previous: string[]) => [...previous, value];

/** Parser of a whole-number flag with a lower bound; a bad value is a flag error (exit 2). */
export function wholeAtLeast(flag: string, min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min) throw new InvalidArgumentError(`${flag} expects a whole number >= ${min}, got '${value}'`);
    return Number(value);
  };
}

export const WORKLOAD_OPTIONS: readonly Option[] = [
  new Option('--out <dir>', 'output folder (default: results/<workload name>/)'),
  new Option('--seed <n>', 'seed, overrides the file').argParser(wholeAtLeast('--seed', 0)),
  new Option('--set <key=value>', 'override a YAML key by dotted path (repeatable)').argParser(collect).default([]),
  new Option('--quiet', 'print nothing but errors'),
  new Option('--json', 'print a machine-readable summary on stdout'),
  new Option('--debug', 'show stack traces of internal errors'),
];

export function addWorkloadOptions(command: Command): Command {
  for (const option of WORKLOAD_OPTIONS) command.addOption(option);
  return command;
}
