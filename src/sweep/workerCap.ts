/**
 * The most worker threads a sweep or plan starts: the CPU count, and no more than the machine's
 * memory allows at WORKER_BUDGET_MB per thread (a worker holds one simulation; a busy day of a
 * large fleet needs a few hundred MB). More threads than cores do not finish sooner; they only
 * add memory (`--workers 1000` on 300 points once started 300 threads and took 8 GB).
 */
import { availableParallelism, totalmem } from 'node:os';

/** Memory budgeted for one worker thread. */
export const WORKER_BUDGET_MB = 512;

export function maxWorkers(): { workers: number; reason: string } {
  const cpus = availableParallelism();
  const byMemory = Math.max(1, Math.floor(totalmem() / (WORKER_BUDGET_MB * 1024 * 1024)));
  return byMemory < cpus
    ? { workers: byMemory, reason: `${WORKER_BUDGET_MB} MB per worker in ${Math.round(totalmem() / 2 ** 30)} GB of memory` }
    : { workers: cpus, reason: 'the CPU count' };
}

/** `requested` threads, capped by maxWorkers(). */
export function cappedWorkers(requested: number): number {
  return Math.max(1, Math.min(requested, maxWorkers().workers));
}
