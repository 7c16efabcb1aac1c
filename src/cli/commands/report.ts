import { resolve } from 'node:path';
import { Option } from 'commander';
import { writeReport } from '../../report/writeReport.js';
import type { ManifestInfo } from '../../report/readResults.js';
import { loadWorkload } from '../../workload/load.js';
import { manifest } from '../../output/runFiles.js';
import { EXIT, guarded } from '../context.js';
import type { RegisterCommand } from './index.js';

/** `capsim report <results-dir>`: one self-contained report.html with the charts of a run, sweep or plan. */
export const registerReport: RegisterCommand = (program, io, done) => {
  program
    .command('report')
    .description('write a self-contained report.html with charts of a run, sweep or plan')
    .argument('<results-dir>', 'a folder written by capsim run, sweep or plan')
    .addOption(new Option('--workload <file>', 'the workload a sweep or plan varied (its SLOs and name), when the folder has no manifest.json'))
    .addOption(new Option('--quiet', 'print nothing but errors'))
    .addOption(new Option('--debug', 'show stack traces of internal errors'))
    .addHelpText(
      'after',
      `
The page has no scripts to load and needs no network: open it in any browser, attach it to an
email, or publish it as a CI artifact. Charts whose data files are absent are left out.

Examples:
  capsim run workloads/chatbot.yaml --out results/chatbot && capsim report results/chatbot
  capsim run workloads/chatbot.yaml --report          # the same in one step
  capsim plan my.yaml --out results/plan && capsim report results/plan --workload my.yaml`,
    )
    .action(async (dir: string, flags: { workload?: string; quiet?: boolean; debug?: boolean }) => {
      done(
        await guarded(io, Boolean(flags.debug), () => {
          const workload = flags.workload ? (manifest(loadWorkload(flags.workload)) as ManifestInfo) : undefined;
          const path = writeReport(resolve(dir), { manifest: workload });
          if (!flags.quiet) io.out(`wrote ${path}\n`);
          return EXIT.ok;
        }),
      );
    });
};
