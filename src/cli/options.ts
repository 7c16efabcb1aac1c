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

/**
 * Parser of a whole-number flag from `min` to `max` (default: the largest exact integer);
 * a bad value is a flag error (exit 2).
 */
export function wholeAtLeast(flag: string, min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min) throw new InvalidArgumentError(`${flag} expects a whole number >= ${min}, got '${value}'`);
    if (Number(value) > max) throw new InvalidArgumentError(`${flag} expects a whole number <= ${max}, got '${value}'`);
    return Number(value);
  };
}

/** Upper bounds of the numeric flags (docs/cli.md). */
export const FLAG_LIMITS = { replications: 1000, maxGpus: 100_000 } as const;

export const WORKLOAD_OPTIONS: readonly Option[] = [
  new Option('--out <dir>', 'output folder (default: results/<workload name>/)'),
  new Option('--seed <n>', 'seed, overrides the file').argParser(wholeAtLeast('--seed', 0, Number.MAX_SAFE_INTEGER)),
  new Option('--set <key=value>', 'override a YAML key by dotted path (repeatable)').argParser(collect).default([]),
  new Option('--quiet', 'no summary on stdout and no progress; errors and warnings still go to stderr'),
  new Option('--json', 'print a machine-readable summary on stdout'),
  new Option('--debug', 'show stack traces of internal errors'),
  new Option('--skip-bad-rows', "skip malformed trace rows and count them (same as --set traffic.trace.skip_bad_rows=true; ignored without a trace)"),
];

/** The override `--skip-bad-rows` stands for; the loader ignores it when the workload has no trace. */
export const SKIP_BAD_ROWS_OVERRIDE = 'traffic.trace.skip_bad_rows=true';

export function addWorkloadOptions(command: Command): Command {
  for (const option of WORKLOAD_OPTIONS) command.addOption(option);
  // --skip-bad-rows travels as an override, so sweep and plan workers see it like any --set.
  command.hook('preAction', (cmd) => {
    const opts = cmd.opts<WorkloadFlags & { skipBadRows?: boolean }>();
    if (opts.skipBadRows) cmd.setOptionValue('set', [...opts.set, SKIP_BAD_ROWS_OVERRIDE]);
  });
  return command;
}
