import { formatProblem, type InputProblem } from '../errors.js';
import type { Io } from './context.js';

/**
 * Prints a workload's warnings on stderr, one line each (`capsim: warning: <file>:<line>: <key>:
 * <message>`), with or without --quiet: a warning points at a likely mistake in the input (a bare
 * `ttft: 800` is 800 seconds), and a quiet run is exactly where nobody reads the summary that would
 * give it away. --quiet silences the summary on stdout and the progress lines. Warnings never
 * change the exit code.
 */
export function printWarnings(io: Io, warnings: readonly InputProblem[]): void {
  for (const w of warnings) io.err(`capsim: warning: ${formatProblem(w)}\n`);
}
