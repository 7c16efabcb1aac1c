import type { Request } from './request.js';

/** A FIFO of waiting requests: O(1) push and shift, compacted as it drains. */
export class RequestQueue {
  private items: (Request | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(request: Request): void {
    this.items.push(request);
  }

  /** Puts a request back at the front (a preempted request resumes before newer ones). */
  unshift(request: Request): void {
    if (this.head > 0) this.items[--this.head] = request;
    else this.items.unshift(request);
  }

  peek(): Request | undefined {
    return this.items[this.head];
  }

  shift(): Request | undefined {
    if (this.head >= this.items.length) return undefined;
    const request = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return request;
  }
}
