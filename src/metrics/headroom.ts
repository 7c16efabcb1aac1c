/**
 * Over-provisioning advice from the figures that mean something under continuous batching:
 * `batch_size_mean` and `kv_utilization` per hour (`gpu_utilization` reads near 100% whenever any
 * iteration runs, so it cannot tell a full fleet from a mostly empty one).
 *
 * - If the quietest hour's mean batch is under a third of the busiest hour's, the fleet is sized
 *   for the peak and has headroom off-peak: an hourly schedule would need fewer GPUs there.
 * - Else if replicas hold on average less than one running sequence over the run, the fleet is
 *   mostly idle.
 */
export interface HeadroomHour {
  hour: number;
  batch_size_mean: number | null;
  kv_utilization: number | null;
}

/** Off-peak hours below this share of the peak hour's mean batch count as spare capacity. */
export const OFF_PEAK_SHARE = 1 / 3;

const pct = (x: number) => `${Math.round(x * 100)}%`;
const one = (x: number) => Math.round(x * 10) / 10;

export function headroomAdvice(hours: readonly HeadroomHour[]): string | null {
  const rows = hours.filter((h): h is HeadroomHour & { batch_size_mean: number } => h.batch_size_mean !== null);
  if (rows.length === 0) return null;
  const peak = rows.reduce((a, b) => (b.batch_size_mean > a.batch_size_mean ? b : a));
  if (peak.batch_size_mean <= 0) return 'the fleet ran no requests: try `capsim plan`';
  const quiet = rows.filter((h) => h.batch_size_mean < OFF_PEAK_SHARE * peak.batch_size_mean);
  if (quiet.length > 0) {
    const low = quiet.reduce((a, b) => (b.batch_size_mean < a.batch_size_mean ? b : a));
    return `${quiet.length} hour${quiet.length === 1 ? '' : 's'} run under a third of the peak hour's batch (hour ${low.hour}: ${one(low.batch_size_mean)} sequences per replica, KV ${pct(low.kv_utilization ?? 0)}; peak hour ${peak.hour}: ${one(peak.batch_size_mean)}, KV ${pct(peak.kv_utilization ?? 0)}): an hourly schedule from \`capsim plan\` needs fewer GPUs off-peak`;
  }
  const mean = rows.reduce((s, h) => s + h.batch_size_mean, 0) / rows.length;
  if (mean < 1) return `the fleet is mostly idle: ${Math.round(mean * 100) / 100} running sequences per replica on average: try \`capsim plan\``;
  return null;
}
