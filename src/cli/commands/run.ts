import { defaultOutFolder } from '../defaultOut.js';
import { Option } from 'commander';
import { loadWorkloadChecked } from '../../workload/load.js';
import { printWarnings } from '../warnings.js';
import { dryRunJson, dryRunText } from '../dryRun.js';
import type { Scenario } from '../../workload/scenario.js';
import { simulate } from '../../simulate.js';
import { writeRun, toJson } from '../../output/runFiles.js';
import { claimOutputFolder } from '../../output/outputFolder.js';
import { formatRunSummary } from '../summaryText.js';
import { runProgress } from '../progress.js';
import { writeReport } from '../../report/writeReport.js';
import { addWorkloadOptions, type WorkloadFlags } from '../options.js';
import { EXIT, guarded } from '../context.js';
import type { RegisterCommand } from './index.js';

interface RunFlags extends WorkloadFlags {
  failOnSlo?: boolean;
  reference?: boolean;
  report?: boolean;
  dryRun?: boolean;
}

/** Why a run may have simulated no request at all, for the warning. */
export function nothingSimulated(scenario: Scenario): string {
  const trace = scenario.traffic.trace;
  if (trace !== null) {
    return `the run simulated no requests: the trace ${trace.file} has no replayable rows${trace.startS !== null || trace.endS !== null ? ' in the window traffic.trace.start/end' : ''} (empty, all rows bad or failed, or the window is past its end)`;
  }
  return 'the run simulated no requests: check traffic.rate, daily_profile and duration';
}

export const registerRun: RegisterCommand = (program, io, done) => {
  const command = program
    .command('run')
    .description('simulate one workload (default: the bundled workloads/chatbot.yaml)')
    .argument('[workload]', 'workload file (YAML or JSON)')
    .addOption(new Option('--fail-on-slo', 'exit 1 when the run does not meet its SLOs'))
    .addOption(new Option('--report', 'also write report.html (charts) into the output folder'))
    .addOption(new Option('--dry-run', 'print the resolved scenario and the expected requests, events and wall time; simulate nothing, write no files'))
    .addOption(new Option('--reference', 'one event per iteration (slow; checks the fast path)').hideHelp())
    .addHelpText(
      'after',
      `
Examples:
  capsim run                                   # the bundled chatbot workload
  capsim run workloads/chatbot.yaml --set fleet.gpus=12 --out results/try12
  capsim run my.yaml --seed 7 --json --fail-on-slo
  capsim run my.yaml --report                  # also writes report.html with charts
  capsim run my.yaml --dry-run                 # how many requests, how long; nothing simulated`,
    );
  addWorkloadOptions(command).action(async (file: string | undefined, flags: RunFlags) => {
    done(
      await guarded(io, Boolean(flags.debug), () => {
        const { scenario, warnings } = loadWorkloadChecked(file ?? null, { set: flags.set, seed: flags.seed });
        printWarnings(io, warnings);
        if (flags.dryRun) {
          if (flags.json) io.out(dryRunJson(scenario));
          else if (!flags.quiet) io.out(dryRunText(file ?? 'workloads/chatbot.yaml', scenario));
          return EXIT.ok;
        }
        // Claimed before simulating: an unwritable --out is reported now, not after the run.
        const folder = claimOutputFolder(flags.out ?? defaultOutFolder(scenario.name, flags.set));
        const out = folder.dir;
        let written = false;
        let run;
        let report: string | null;
        try {
          const progress = runProgress(io, io.errIsTty && !flags.quiet, scenario.durationS);
          try {
            run = simulate(scenario, { fastForward: !flags.reference, onProgress: progress.onProgress, progressEvery: 10_000 });
          } finally {
            progress.done();
          }
          writeRun(out, scenario, run);
          written = true;
          report = flags.report ? writeReport(out) : null;
        } finally {
          folder.release({ abandon: !written });
        }
        if (run.summary.requests === 0) io.err(`capsim: warning: ${nothingSimulated(scenario)}
`);
        if (flags.json) io.out(toJson({ ...run.summary, out, ...(report ? { report } : {}) }));
        else if (!flags.quiet) io.out(formatRunSummary(scenario, run.summary, run.hourly, out, { extraFiles: report ? ['report.html'] : [], hourlyByClass: run.hourlyByClass }));
        return flags.failOnSlo && !run.summary.meets_slo ? EXIT.sloMissed : EXIT.ok;
      }),
    );
  });
};
