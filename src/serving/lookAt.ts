import type { Looker } from './LookIndex.js';

/**
 * When replica r looks at the queue's head at `now` (LookIndex), given its key `k`, for the two
 * LookIndex structures' queries: never when it is `except`; now when it has no run in flight
 * (forming its batch while asked, as an idle one does); its key when its run cannot be cut (the
 * run's end); for a cuttable run, its key (the first boundary at or after now) when it would admit
 * the head, else its run's end. Sets `index.admits` to `canAdmit()` when it asks it: true only when
 * it answers the key, which wins the query. Small on purpose: inlined in the queries' loops.
 */
export function lookAt(
  index: { admits: boolean },
  r: Looker,
  except: Looker | undefined,
  cuttable: boolean,
  k: number,
  now: number,
): number {
  if (r === except) return Infinity;
  if (Number.isNaN(r.runEnd())) return now;
  if (!cuttable) return k;
  const admits = r.canAdmit();
  index.admits = admits;
  return admits ? k : r.runEnd();
}

/**
 * The index of the first of a run's boundaries `ends` (ascending) at or after `now`, walking up
 * from `from`, an index at or before it (the run's last boundary is never before now).
 */
export function firstBoundary(ends: Float64Array, from: number, now: number): number {
  let c = from;
  while (ends[c] < now) c++;
  return c;
}
