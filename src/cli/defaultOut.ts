/**
 * The default output folder of `run`, `sweep` and `plan`: `results/<workload name>/`, and with `--set` overrides
 * `results/<name>--<key>=<value>--.../`, so that trying a variant never overwrites the base
 * workload's results. Characters a file name cannot hold portably become `_`.
 *
 * @example defaultOutFolder('chatbot', ['fleet.gpus=8']) // 'results/chatbot--fleet.gpus=8'
 */
export function defaultOutFolder(name: string, set: readonly string[]): string {
  const suffix = set.map((s) => `--${s.trim()}`).join('');
  const safe = `${name}${suffix}`.replace(/[^A-Za-z0-9._=,+-]/g, '_');
  return `results/${safe.length > 200 ? safe.slice(0, 200) : safe}`;
}
