/**
 * Over- and under-provisioning advice from the figures that mean something under continuous
 * batching: `batch_size_mean`, `kv_utilization` and `mfu` per hour. `gpu_utilization` reads near
 * 100% whenever any iteration runs, so it cannot tell a full fleet from a mostly empty one; nor
 * can `mbu`: a decode step streams all the weights whatever the batch, so a replica decoding two
 * sequences moves nearly as many bytes per second as one decoding twenty (on the bundled chatbot
 * MBU is higher at night than at the peak). MFU, batch and KV grow with the load.
 *
 * In order:
 * - near capacity: in the fullest hour, running sequences hold at least KV_FULL of the KV memory
 *   of the ready replicas: the next long requests wait for memory (or preempt others); there is
 *   little headroom left even if every SLO is met.
 * - spare off-peak: the quietest hour's mean batch is under OFF_PEAK_SHARE of the busiest hour's:
 *   the fleet is sized for the peak and an hourly schedule would need fewer GPUs off-peak.
 * - mostly idle: replicas hold on average less than one running sequence over the run.
 */
export interface HeadroomHour {
  hour: number;
  batch_size_mean: number | null;
  kv_utilization: number | null;
  mfu?: number | null;
}

/** Off-peak hours below this share of the peak hour's mean batch count as spare capacity. */
export const OFF_PEAK_SHARE = 1 / 3;
/** Share of KV memory in use (time-averaged over an hour) from which the fleet is near capacity. */
export const KV_FULL = 0.85;

export type HeadroomKind = 'near_capacity' | 'spare_off_peak' | 'mostly_idle' | 'no_requests';

const pct = (x: number) => `${Math.round(x * 100)}%`;
const one = (x: number) => Math.round(x * 10) / 10;
const figures = (h: HeadroomHour & { batch_size_mean: number }) =>
  `${one(h.batch_size_mean)} sequences per replica, KV ${pct(h.kv_utilization ?? 0)}${h.mfu === undefined || h.mfu === null ? '' : `, MFU ${pct(h.mfu)}`}`;

/**
 * How the spare-off-peak finding names the hour of the largest mean batch. The report's Headroom
 * card says "peak hour"; the terminal summary names it by what it is, because there "busiest
 * hour" (most arrivals) sits on the line above and is often a different hour.
 */
export interface PeakWording {
  /** Ends "N hours run under a third of ...". */
  reference: string;
  /** Precedes the hour number and its figures. */
  label: string;
}

export const PEAK_HOUR_WORDING: PeakWording = { reference: "the peak hour's batch", label: 'peak hour' };

export function headroomFinding(hours: readonly HeadroomHour[], wording: PeakWording = PEAK_HOUR_WORDING): { kind: HeadroomKind; text: string } | null {
  const rows = hours.filter((h): h is HeadroomHour & { batch_size_mean: number } => h.batch_size_mean !== null);
  if (rows.length === 0) return null;
  const peak = rows.reduce((a, b) => (b.batch_size_mean > a.batch_size_mean ? b : a));
  if (peak.batch_size_mean <= 0) return { kind: 'no_requests', text: 'the fleet ran no requests: try `capsim plan`' };
  const fullest = rows.reduce((a, b) => ((b.kv_utilization ?? 0) > (a.kv_utilization ?? 0) ? b : a));
  if ((fullest.kv_utilization ?? 0) >= KV_FULL) {
    return {
      kind: 'near_capacity',
      text: `near capacity: KV memory ${pct(fullest.kv_utilization!)} in use in hour ${fullest.hour} (${figures(fullest)}): new requests wait for memory; add GPUs (or a larger gpus_per_replica) before traffic grows; \`capsim plan\` reports how much more traffic a fleet takes`,
    };
  }
  const quiet = rows.filter((h) => h.batch_size_mean < OFF_PEAK_SHARE * peak.batch_size_mean);
  if (quiet.length > 0) {
    const low = quiet.reduce((a, b) => (b.batch_size_mean < a.batch_size_mean ? b : a));
    return {
      kind: 'spare_off_peak',
      text: `${quiet.length} hour${quiet.length === 1 ? '' : 's'} run under a third of ${wording.reference} (hour ${low.hour}: ${figures(low)}; ${wording.label} ${peak.hour}: ${figures(peak)}): an hourly schedule from \`capsim plan\` needs fewer GPUs off-peak`,
    };
  }
  const mean = rows.reduce((s, h) => s + h.batch_size_mean, 0) / rows.length;
  if (mean < 1) return { kind: 'mostly_idle', text: `the fleet is mostly idle: ${Math.round(mean * 100) / 100} running sequences per replica on average: try \`capsim plan\`` };
  return null;
}

export function headroomAdvice(hours: readonly HeadroomHour[], wording: PeakWording = PEAK_HOUR_WORDING): string | null {
  return headroomFinding(hours, wording)?.text ?? null;
}
