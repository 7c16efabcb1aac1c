/**
 * Errors that are the user's to fix (a bad file, key, value or flag). The CLI prints them as one
 * line each and exits 2, with no stack trace. Anything else that escapes is a bug (exit 3).
 */

/** One problem in user input, located as precisely as we can. */
export interface InputProblem {
  /** The file the problem is in, or null for flags and in-memory input. */
  readonly file: string | null;
  /** Dotted key path, e.g. `classes[1].slo.ttft`; empty for the whole document. */
  readonly path: string;
  /** 1-based line in `file`, when known. */
  readonly line: number | null;
  /** What was expected and what was found, e.g. "must be > 0, got -3". */
  readonly message: string;
}

export function formatProblem(p: InputProblem): string {
  const where = [p.file ?? '', p.line !== null ? `:${p.line}` : ''].join('');
  const path = p.path ? `${p.path}: ` : '';
  return where ? `${where}: ${path}${p.message}` : `${path}${p.message}`;
}

export class InputError extends Error {
  readonly problems: readonly InputProblem[];

  constructor(problems: InputProblem | readonly InputProblem[]) {
    const list = Array.isArray(problems) ? problems : [problems as InputProblem];
    super(list.map(formatProblem).join('\n'));
    this.name = 'InputError';
    this.problems = list;
  }
}

/** Shorthand for a single problem. */
export function inputError(
  message: string,
  where: { file?: string | null; path?: string; line?: number | null } = {},
): InputError {
  return new InputError({
    file: where.file ?? null,
    path: where.path ?? '',
    line: where.line ?? null,
    message,
  });
}
