import { Option } from 'commander';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { InputError, inputError } from '../../errors.js';
import { claimOutputFolder } from '../../output/outputFolder.js';
import { checkResumeIdentity, sweepIdentity } from '../../sweep/sweepIdentity.js';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadWorkloadChecked } from '../../workload/load.js';
import { printWarnings } from '../warnings.js';
import { defaultOutFolder } from '../defaultOut.js';
import type { Scenario } from '../../workload/scenario.js';
import { buildGrid, parseVary, type GridPoint, type VaryAxis } from '../../sweep/grid.js';
import { inShard, parseShard, type ShardManifest } from '../../sweep/shard.js';
import { runSweep } from '../../sweep/runSweep.js';
import { maxWorkers } from '../../sweep/workerCap.js';
import { SweepFile } from '../../sweep/sweepFile.js';
import { rowLine, rowOutcome, sweepColumns, sweepRecord, parseCsvLine, type RowOutcome } from '../../sweep/sweepCsv.js';
import { writeFilesAtomically } from '../../output/atomicWrite.js';
import { toJson } from '../../output/runFiles.js';
import { VERSION } from '../../version.js';
import { addWorkloadOptions, collect, FLAG_LIMITS, wholeAtLeast, type WorkloadFlags } from '../options.js';
import { EXIT, guarded, type ExitCode, type Io } from '../context.js';
import type { RegisterCommand } from './index.js';

/** Flags shared by `sweep` and `plan`. */
export interface GridFlags extends WorkloadFlags {
  vary: string[];
  workers: number;
  replications?: number;
}


/** --vary, --workers and --replications, declared once for sweep and plan. */
export const GRID_OPTIONS: readonly (() => Option)[] = [
  () => new Option('--vary <key=values>', 'vary a key: list 4,8,16 | range 1..32 | stepped 10..100:10 (repeatable; first varies slowest)').argParser(collect).default([]),
  () => new Option('--workers <n>', 'worker threads (at most the CPU count, and 512 MB of memory each)').argParser(wholeAtLeast('--workers', 1)).default(availableParallelism(), 'CPU count'),
  () => new Option('--replications <r>', 'independent seeds per point (common to all points); adds _ci95 columns').argParser(wholeAtLeast('--replications', 1, FLAG_LIMITS.replications)),
];

export function parseAxes(flags: readonly string[]): VaryAxis[] {
  return flags.map(parseVary);
}

/**
 * The workload as the user gave it, for its name and to fail fast on a broken file. When the file
 * only becomes valid with the varied keys (e.g. it has no fleet.gpus), the first point is tried.
 */
export function loadBase(io: Io, file: string, flags: WorkloadFlags, first: GridPoint | undefined): Scenario {
  try {
    const { scenario, warnings } = loadWorkloadChecked(file, { set: flags.set, seed: flags.seed });
    printWarnings(io, warnings);
    return scenario;
  } catch (error) {
    if (!(error instanceof InputError) || first === undefined) throw error;
    try {
      const { scenario, warnings } = loadWorkloadChecked(file, { set: [...flags.set, ...first.set], seed: flags.seed });
      printWarnings(io, warnings);
      return scenario;
    } catch {
      throw error;
    }
  }
}

/** Says (on stderr, unless --quiet) when --workers asks for more threads than are started. */
export function noteWorkerCap(io: Io, flags: GridFlags): void {
  const cap = maxWorkers();
  if (flags.workers > cap.workers && !flags.quiet) io.err(`capsim: --workers ${flags.workers}: using ${cap.workers} (${cap.reason})\n`);
}

/** A progress line on stderr, only for a terminal and without --quiet. */
export function progress(io: Io, quiet: boolean | undefined, label: string) {
  const shown = io.errIsTty && !quiet;
  return {
    update: (text: string) => {
      if (shown) io.err(`\r${label}: ${text}`);
    },
    end: () => {
      if (shown) io.err('\n');
    },
  };
}

interface SweepFlags extends GridFlags {
  shard?: string;
  resume?: boolean;
  keepRuns?: boolean;
  failOnSlo?: boolean;
}

export const registerSweep: RegisterCommand = (program, io, done) => {
  const command = program
    .command('sweep')
    .description('simulate every combination of --vary values in parallel; one sweep.csv row per combination')
    .argument('<workload>', 'workload file (YAML or JSON)');
  for (const option of GRID_OPTIONS) command.addOption(option());
  command
    .addOption(new Option('--shard <I/N>', 'run only the points whose grid index mod N is I (auto/N: I from JOB_COMPLETION_INDEX)'))
    .addOption(new Option('--resume', 'keep the rows already in sweep.csv and run only the rest'))
    .addOption(new Option('--keep-runs', "also write each point's run files under runs/<grid index>/"))
    .addOption(new Option('--fail-on-slo', 'exit 1 when no point meets its SLOs'))
    .addHelpText(
      'after',
      `
Examples:
  capsim sweep workloads/chatbot.yaml --vary fleet.gpus=4..16 --out results/gpus
  capsim sweep my.yaml --vary gpu=h100-sxm,a100-80gb --vary traffic.rate=10..40:10 --replications 5
  capsim sweep my.yaml --vary fleet.gpus=1..64 --shard auto/8 --out /results/shard-$JOB_COMPLETION_INDEX`,
    );
  addWorkloadOptions(command).action(async (file: string, flags: SweepFlags) => {
    done(await guarded(io, Boolean(flags.debug), () => sweepCommand(io, file, flags)));
  });
};

async function sweepCommand(io: Io, file: string, flags: SweepFlags): Promise<ExitCode> {
  const axes = parseAxes(flags.vary);
  if (axes.length === 0) throw new InputError({ file: null, path: '', line: null, message: 'sweep needs at least one --vary KEY=VALUES (e.g. --vary fleet.gpus=4,8,16)' });
  const grid = buildGrid(axes);
  noteWorkerCap(io, flags);
  const shard = flags.shard === undefined ? null : parseShard(flags.shard);
  const points = grid.filter((p) => inShard(shard, p.index));
  const base = loadBase(io, file, flags, points[0] ?? grid[0]);
  const columns = sweepColumns(axes, flags.replications !== undefined);
  const identity = sweepIdentity({
    version: VERSION,
    file: resolve(file),
    seed: flags.seed ?? base.seed,
    set: flags.set,
    replications: flags.replications ?? 0,
    axes,
    shard: shard === null ? null : `${shard.index}/${shard.count}`,
  });
  const folder = claimOutputFolder(flags.out ?? defaultOutFolder(base.name, flags.set));
  const out = folder.dir;
  const csvPath = join(out, 'sweep.csv');
  const identityPath = join(out, 'sweep.json');
  const shardPath = join(out, 'shard.json');
  let wroteAnything = false;
  let keep = false;
  const rows: RowOutcome[] = [];
  const messages = new Map<number, string>();
  let resumed: RowOutcome[] = [];
  try {
    if (flags.resume && hasRows(csvPath)) checkResumeIdentity(identityPath, readIfExists(identityPath), identity);
    const sets = [{ path: identityPath, content: toJson(identity) }];
    if (shard !== null) {
      const manifest: ShardManifest = {
        capsim_version: VERSION,
        shard: shard.index,
        of: shard.count,
        points: grid.length,
        indices: points.map((p) => p.index),
        columns,
        grid: axes.map((a) => ({ key: a.key, values: a.values })),
        sweep: identity,
      };
      sets.push({ path: shardPath, content: toJson(manifest) });
    }
    const opened = SweepFile.open(csvPath, columns, axes, points, Boolean(flags.resume));
    wroteAnything = true;
    writeFilesAtomically(sets);
    const sweepFile = opened.file;
    resumed = opened.done;
    rows.push(...resumed);
    const bar = progress(io, flags.quiet, 'sweep');
    try {
      await runSweep(points.slice(resumed.length), {
        file: resolve(file),
        set: flags.set,
        seed: flags.seed,
        replications: flags.replications ?? 0,
        workers: flags.workers,
        keepRunsDir: flags.keepRuns ? join(out, 'runs') : null,
        onOutcome: (point, outcome) => {
          const line = rowLine(columns, sweepRecord(axes, point, outcome));
          sweepFile.append(line);
          if (!outcome.ok) messages.set(point.index, outcome.message);
          rows.push(rowOutcome(columns, axes.length, point.index, parseCsvLine(line.slice(0, -1))));
        },
        onProgress: (finished, total) => bar.update(`${resumed.length + finished}/${resumed.length + total} points`),
      });
    } finally {
      bar.end();
      sweepFile.close();
    }
    // A sweep whose every point fails on input (or on the output location) is bad input: like any
    // exit 2, it leaves no files.
    const allBad = resumed.length === 0 && rows.length > 0 && rows.every((r) => r.error === 'input');
    if (allBad) {
      for (const path of [csvPath, identityPath, shardPath]) rmSync(path, { force: true });
      if (flags.keepRuns) rmSync(join(out, 'runs'), { recursive: true, force: true });
      wroteAnything = false;
      const first = rows[0];
      throw inputError(`no point of the sweep could be simulated (${rows.length} of ${rows.length} failed); the first, point ${first.index} (${grid[first.index].set.join(', ')}): ${messages.get(first.index) ?? 'see above'}`);
    }
    keep = true;
  } finally {
    folder.release({ abandon: !keep && !wroteAnything });
  }

  const meeting = rows.filter((r) => r.meetsSlo);
  const cheapest = meeting.reduce<RowOutcome | null>((best, r) => (best === null || (r.costPerHour ?? Infinity) < (best.costPerHour ?? Infinity) ? r : best), null);
  const inputErrors = rows.filter((r) => r.error === 'input').length;
  const internalErrors = rows.filter((r) => r.error === 'internal').length;
  const keysOf = (r: RowOutcome) => Object.fromEntries(axes.map((a, i) => [a.key, grid[r.index].values[i]]));
  if (flags.json) {
    io.out(toJson({
      file: csvPath,
      points: rows.length,
      grid_points: grid.length,
      shard: shard === null ? null : `${shard.index}/${shard.count}`,
      resumed: resumed.length,
      meeting: meeting.length,
      errors: { input: inputErrors, internal: internalErrors },
      cheapest: cheapest === null ? null : { ...keysOf(cheapest), cost_per_hour: cheapest.costPerHour, meets_slo: true },
    }));
  } else if (!flags.quiet) {
    const failed = inputErrors + internalErrors;
    io.out(`sweep: ${rows.length} points${shard ? ` (shard ${shard.index}/${shard.count} of ${grid.length})` : ''}, ${meeting.length} meet their SLOs${failed ? `, ${failed} failed (see the error column)` : ''}\n`);
    if (cheapest !== null) {
      io.out(`cheapest that meets its SLOs: ${axes.map((a, i) => `${a.key}=${cheapest.keys[i]}`).join(' ')} ($${(cheapest.costPerHour ?? 0).toFixed(2)}/h)\n`);
    } else {
      io.out('no point meets its SLOs\n');
    }
    io.out(`wrote ${csvPath}\n`);
  }
  if (inputErrors + internalErrors > 0) {
    const first = rows.find((r) => r.error !== null)!;
    io.err(`capsim: ${inputErrors + internalErrors} of ${rows.length} points failed (${inputErrors} bad input, ${internalErrors} internal); see the error column of ${csvPath} (first: point ${first.index})\n`);
  }
  if (internalErrors > 0) return EXIT.internal;
  if (inputErrors > 0) return EXIT.badInput;
  return flags.failOnSlo && meeting.length === 0 ? EXIT.sloMissed : EXIT.ok;
}

/** Does a sweep.csv hold anything past a header (rows that --resume would keep)? */
function hasRows(path: string): boolean {
  try {
    return statSync(path).size > 0 && readFileSync(path, 'utf8').split('\n').length > 2;
  } catch {
    return false;
  }
}

function readIfExists(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}
