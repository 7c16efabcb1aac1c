import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { inputError } from '../../errors.js';

/** Bytes read from disk at a time. */
export const CHUNK_BYTES = 1 << 20;
/** A line longer than this is taken as a sign that the file is not a text trace. */
export const MAX_LINE_CHARS = 16 << 20;

/**
 * Reads a text file line by line, synchronously, holding one file descriptor and at most one
 * chunk (plus the unfinished line) in memory: the simulator's event loop is synchronous, and a
 * trace may have tens of millions of rows.
 *
 * Lines are split on `\n`; a trailing `\r` (CRLF files) and a UTF-8 byte-order mark on the first
 * line are removed; a file whose first chunk has `\r` but no `\n` (old Mac, CR-only) is split on `\r`; a last line without a newline is returned like any other. UTF-8 sequences cut
 * by a chunk boundary are decoded correctly (StringDecoder). The descriptor is closed at end of
 * file, on `close()`, and if reading fails.
 *
 * @throws InputError when the file cannot be opened (naming `keyPath`) or a line is absurdly long
 */
export class LineReader {
  /** 1-based number of the line last returned by `next()`; 0 before the first. */
  lineNo = 0;
  private fd: number | null;
  private readonly buf: Buffer;
  private readonly decoder = new StringDecoder('utf8');
  private text = '';
  private pos = 0;
  private bytesRead = 0;
  private eof = false;
  /** '\n', or '\r' for a CR-only file (decided on the first chunk). */
  private separator = '\n';

  constructor(
    readonly file: string,
    keyPath = '',
    chunkBytes = CHUNK_BYTES,
  ) {
    try {
      this.fd = openSync(file, 'r');
    } catch (error) {
      throw inputError(describeOpenError(error), { file, path: keyPath });
    }
    this.buf = Buffer.allocUnsafe(chunkBytes);
  }

  /** The next line without its line terminator, or null at end of file. */
  next(): string | null {
    for (;;) {
      const text = this.text;
      const nl = text.indexOf(this.separator, this.pos);
      if (nl >= 0) {
        const start = this.pos;
        const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        this.pos = nl + 1;
        return this.emit(text.slice(start, end));
      }
      if (this.eof) {
        if (this.pos >= text.length) return null;
        const start = this.pos;
        this.pos = text.length;
        const end = text.charCodeAt(text.length - 1) === 13 ? text.length - 1 : text.length;
        return this.emit(text.slice(start, end));
      }
      this.fill();
    }
  }

  /** Releases the file descriptor; `next()` then returns what is already buffered, then null. */
  close(): void {
    this.eof = true;
    if (this.fd !== null) {
      const fd = this.fd;
      this.fd = null;
      closeSync(fd);
    }
  }

  /** Whether the file descriptor is still open (for tests). */
  get isOpen(): boolean {
    return this.fd !== null;
  }

  private emit(line: string): string {
    this.lineNo++;
    if (this.lineNo === 1 && line.charCodeAt(0) === 0xfeff) return line.slice(1);
    return line;
  }

  private fill(): void {
    const rest = this.text.length > this.pos ? this.text.slice(this.pos) : '';
    if (rest.length > MAX_LINE_CHARS) {
      const line = this.lineNo + 1;
      this.close();
      throw inputError(`line is longer than ${MAX_LINE_CHARS} characters: not a line-based text trace`, {
        file: this.file,
        line,
      });
    }
    let n = 0;
    if (this.fd !== null) {
      try {
        n = readSync(this.fd, this.buf, 0, this.buf.length, this.bytesRead);
      } catch (error) {
        this.close();
        throw inputError(describeOpenError(error), { file: this.file });
      }
    }
    this.bytesRead += n;
    this.pos = 0;
    if (n === 0) {
      this.close();
      this.text = rest + this.decoder.end();
    } else {
      this.text = rest + this.decoder.write(this.buf.subarray(0, n));
      if (this.bytesRead === n && !this.text.includes('\n') && this.text.includes('\r')) this.separator = '\r';
    }
  }
}

function describeOpenError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'file not found (check the path; relative paths are resolved against the workload file)';
  if (code === 'EISDIR') return 'is a folder, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot read the file: permission denied';
  return `cannot read the file: ${(error as Error)?.message ?? String(error)}`;
}
