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
  const where = [printable(p.file ?? ''), p.line !== null ? `:${p.line}` : ''].join('');
  const path = p.path ? `${printable(p.path)}: ` : '';
  return where ? `${where}: ${path}${printable(p.message)}` : `${path}${printable(p.message)}`;
}

// C0 and C1 control characters, DEL, line/paragraph separators and bidirectional overrides.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffe\uffff]/g;

/**
 * `text` with every non-printable character written as an escape (`\x00`, `\n`, `\u202e`), so
 * that a message quoting hostile input never sends control characters to a terminal.
 * `keepNewlines` leaves line breaks (between the lines of a multi-line message).
 */
export function printable(text: string, keepNewlines = false): string {
  return text.replace(UNPRINTABLE, (c) => {
    if (keepNewlines && c === '\n') return c;
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
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
