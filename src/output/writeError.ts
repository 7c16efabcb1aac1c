/**
 * Errors of the output location (a full disk, a read-only folder, a file where a folder should
 * be) are the user's to fix, not bugs: they become an InputError (exit 2) with a plain message
 * naming the path, never "internal error".
 */
import { InputError, inputError } from '../errors.js';

/** errno codes that mean "this place cannot be written", with what to tell the user. */
const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large (the file-size limit, `ulimit -f`, was reached)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder, not a file',
  EEXIST: 'already exists and is not a folder',
  ENOENT: 'the folder cannot be created there',
  EIO: 'input/output error',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links in the path',
  EMFILE: 'too many open files',
  ENXIO: 'no such device',
  EBADF: 'not writable',
  EINVAL: 'not a writable location',
};

/** The plain reason for a file-system error code, or null when the error is not one. */
export function writeErrorReason(error: unknown): string | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && Object.hasOwn(REASONS, code) ? `${REASONS[code]} (${code})` : null;
}

/**
 * Turns a file-system error while writing `path` into an InputError; anything else is returned
 * unchanged (a bug stays a bug).
 */
export function asWriteError(path: string, error: unknown, what = 'cannot write'): unknown {
  if (error instanceof InputError) return error;
  const reason = writeErrorReason(error);
  return reason === null ? error : inputError(`${what}: ${reason}`, { file: path });
}
