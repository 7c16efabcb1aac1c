import type { InputProblem } from '../errors.js';
import type { KeyPath } from './path.js';

/** A problem found in a workload document, before it is given a file and a line. */
export interface Problem {
  readonly path: KeyPath;
  readonly message: string;
}

/**
 * Collects every problem of a document, so that the user sees them all at once instead of
 * fixing one per run. `located` holds problems already placed in another file (a trace).
 */
export class Problems {
  readonly list: Problem[] = [];
  readonly located: InputProblem[] = [];

  add(path: KeyPath, message: string): void {
    this.list.push({ path: [...path], message });
  }

  addLocated(problems: readonly InputProblem[]): void {
    this.located.push(...problems);
  }

  get empty(): boolean {
    return this.list.length === 0 && this.located.length === 0;
  }
}
