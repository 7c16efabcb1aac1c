import { InputError, printable } from '../errors.js';

/** What a command action returns: the process exit code (docs/cli.md: 0, 1, 2, 3). */
export type ExitCode = 0 | 1 | 2 | 3;

export const EXIT = { ok: 0, sloMissed: 1, badInput: 2, internal: 3 } as const;

/** Where commands print; injectable so tests can capture output without spawning a process. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stderr is a terminal (progress lines are shown only then). */
  readonly errIsTty: boolean;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  errIsTty: Boolean(process.stderr.isTTY),
};

/**
 * Runs a command body and turns what escapes it into an exit code: user mistakes print their
 * message (exit 2), anything else is a bug (exit 3) whose stack is shown only with --debug.
 */
export async function guarded(io: Io, debug: boolean, body: () => Promise<ExitCode> | ExitCode): Promise<ExitCode> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof InputError) {
      io.err(`capsim: ${error.message}\n`);
      return EXIT.badInput;
    }
    const err = error as Error;
    io.err(`capsim: internal error: ${printable(err?.message ?? String(error))}\n`);
    if (debug && err?.stack) io.err(`${err.stack}\n`);
    else io.err('(this is a bug in capsim; run again with --debug for the stack trace)\n');
    return EXIT.internal;
  }
}
