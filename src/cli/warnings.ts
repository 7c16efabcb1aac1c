import { formatProblem, type InputProblem } from '../errors.js';
import type { Io } from './context.js';

/**
 * Prints a workload's warnings on stderr, one line each (`capsim: warning: <file>:<line>: <key>:
 * <message>`), unless --quiet. Warnings never change the exit code.
 */
export function printWarnings(io: Io, warnings: readonly InputProblem[], quiet: boolean | undefined): void {
  if (quiet) return;
  for (const w of warnings) io.err(`capsim: warning: ${formatProblem(w)}\n`);
}
