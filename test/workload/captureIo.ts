import type { Io } from '../../src/cli/context.js';

/** An `Io` that keeps what a command prints, for in-process CLI tests. */
export function captureIo(): Io & { readonly stdout: () => string; readonly stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => void (out += text),
    err: (text) => void (err += text),
    errIsTty: false,
    stdout: () => out,
    stderr: () => err,
  };
}
