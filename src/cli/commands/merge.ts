import { Option } from 'commander';
import { resolve } from 'node:path';
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
          const text = mergeShards(dirs);
          const out = resolve(flags.out);
          writeFilesAtomically([{ path: out, content: text }]);
          if (!flags.quiet) io.out(`merged ${dirs.length} shard folders (${text.split('\n').length - 2} rows) into ${out}\n`);
          return EXIT.ok;
        }),
      );
    });
};
