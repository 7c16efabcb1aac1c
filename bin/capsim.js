#!/usr/bin/env node
import { main } from '../dist/cli/main.js';
import { writeErrorReason } from '../dist/output/writeError.js';

// `capsim ... | head` closes the pipe early: that is not an error. Any other failure to write
// stdout (a full disk, /dev/full) is the output location's fault: one plain line, exit 2.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    if (stream === process.stdout) {
      try {
        process.stderr.write(`capsim: cannot write to standard output: ${writeErrorReason(error) ?? error.message}\n`);
      } catch {
        // stderr is gone too: the exit code is all that is left
      }
    }
    process.exit(2);
  });
}

process.exitCode = await main(process.argv.slice(2));
