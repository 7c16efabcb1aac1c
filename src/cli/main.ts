import { Command, CommanderError } from 'commander';
import { EXIT, processIo, type ExitCode, type Io } from './context.js';
import { commands } from './commands/index.js';
import { VERSION } from '../version.js';
import { printable } from '../errors.js';

/**
 * The capsim command line: a thin shell over the library. Each command lives in
 * `commands/<name>.ts` and turns its options into one library call; this file only wires them.
 * Returns the exit code instead of exiting, so tests can call it in-process.
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<ExitCode> {
  const state: { code: ExitCode } = { code: EXIT.ok };
  const program = new Command('capsim')
    .description('Seeded discrete-event simulator of LLM-serving traffic for capacity planning')
    .version(VERSION)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(printable(s, true)),
    });
  for (const register of commands) register(program, io, (code) => (state.code = code));
  if (argv.length === 0) {
    // No command is a usage mistake (exit 2), like any other bad flag: say what there is.
    io.err(printable(program.helpInformation(), true));
    return EXIT.badInput;
  }
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
      return ok || error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    throw error;
  }
  return state.code;
}
