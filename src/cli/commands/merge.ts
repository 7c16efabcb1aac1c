import { Option } from 'commander';
import { realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inputError } from '../../errors.js';
import { mergeShards } from '../../sweep/merge.js';
import { writeFilesAtomically } from '../../output/atomicWrite.js';
import { EXIT, guarded } from '../context.js';
import type { RegisterCommand } from './index.js';

interface MergeFlags {
  out: string;
  quiet?: boolean;
  debug?: boolean;
}

export const registerMerge: RegisterCommand = (program, io, done) => {
  program
    .command('merge')
    .description('merge the folders of `capsim sweep --shard I/N` runs into one sweep.csv')
    .argument('<dirs...>', 'shard output folders (each with sweep.csv and shard.json)')
    .addOption(new Option('--out <file>', 'merged CSV file').default('sweep.csv'))
    .addOption(new Option('--quiet', 'print nothing but errors'))
    .addOption(new Option('--debug', 'show stack traces of internal errors'))
    .addHelpText('after', '\nExample:\n  capsim merge /results/shard-* --out /results/sweep.csv')
    .action(async (dirs: string[], flags: MergeFlags) => {
      done(
        await guarded(io, Boolean(flags.debug), () => {
          const out = resolve(flags.out);
          refuseOwnInput(out, dirs);
          const text = mergeShards(dirs);
          writeFilesAtomically([{ path: out, content: text }]);
          if (!flags.quiet) io.out(`merged ${dirs.length} shard folders (${text.split('\n').length - 2} rows) into ${out}\n`);
          return EXIT.ok;
        }),
      );
    });
};

/**
 * `--out` must be a new or replaceable file, not a folder, and not one of the files being merged
 * (`merge s0 s1 --out s0/sweep.csv` would overwrite a shard's own rows).
 *
 * @throws InputError naming --out
 */
function refuseOwnInput(out: string, dirs: readonly string[]): void {
  const real = (path: string): string | null => {
    try {
      return realpathSync(path);
    } catch {
      return null;
    }
  };
  let isFolder = false;
  try {
    isFolder = statSync(out).isDirectory();
  } catch {
    // absent: fine
  }
  if (isFolder) throw inputError('--out is a folder; give the merged file\'s path, e.g. --out results/sweep.csv', { file: out });
  const target = real(out);
  if (target === null) return;
  for (const dir of dirs) {
    for (const name of ['sweep.csv', 'shard.json', 'sweep.json']) {
      if (real(join(dir, name)) === target) {
        throw inputError(`--out is ${name} of the shard folder ${dir}, one of the inputs; write the merged file elsewhere`, { file: out });
      }
    }
  }
}
