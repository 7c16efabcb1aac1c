/**
 * capsim as a library: `import { loadWorkload, simulate } from 'capsim'`. The CLI is a thin
 * shell over these same calls (see docs/api.md for a short program and docs/cli.md for the
 * files and columns these functions produce).
 */

// Load and validate a workload (YAML/JSON file or data), with `--set`-style overrides and seed.
export { loadWorkload, loadWorkloadChecked, resolveWorkload, DEFAULT_WORKLOAD_FILE, type WorkloadOptions, type CheckedWorkload } from './workload/load.js';
export { estimateRun, type RunEstimate } from './workload/estimate.js';
export type {
  Scenario,
  ClassSpec,
  Slo,
  TokenDist,
  RetrievalSpec,
  ModelSpec,
  GpuSpec,
  PerfSpec,
  PricingKind,
  PricingSpec,
  AutoscaleSpec,
  PoolSpec,
  RoleSpec,
  DisaggregationSpec,
  ServingSpec,
  TraceFormat,
  TraceSpec,
  TrafficSpec,
  ResponseCacheSpec,
  ApiSpec,
  CostSpec,
} from './workload/scenario.js';
export { InputError, inputError, formatProblem, type InputProblem } from './errors.js';

// Simulate one scenario (pure: no files, no printing, no clock).
export { simulate, type SimulateOptions, type SimulationRun } from './simulate.js';
export {
  HOURLY_COLUMNS,
  HOURLY_BY_CLASS_COLUMNS,
  type RunResult,
  type Summary,
  type ClassSummary,
  type HourRow,
  type LatencyStats,
  type RequestFigures,
} from './metrics/results.js';

// Write the files of `capsim run` (atomically) and the HTML report.
export { writeRun, runFiles, manifest, toJson } from './output/runFiles.js';
export { writeReport, type ReportOptions } from './report/writeReport.js';

// Sweeps and capacity plans (simulated on worker threads).
export { parseVary, buildGrid, gridSize, pointAt, type VaryAxis, type GridPoint, type AxisValue } from './sweep/grid.js';
export { runSweep, type SweepOptions } from './sweep/runSweep.js';
export type { PointOutcome } from './sweep/runPoint.js';
export { sweepColumns, sweepRecord, rowLine } from './sweep/sweepCsv.js';
export { NUMERIC_FIGURES, CI_FIGURES, type Figures, type NumericFigure, type PointDetail } from './sweep/figures.js';
export { plan, type PlanOptions, type PlanResult } from './sweep/plan.js';
export { SCHEDULE_COLUMNS, type ApiPrices, type Economics, type ScheduleRow } from './sweep/planEconomics.js';

// The built-in catalog of GPUs, models and hosted-API prices.
export {
  loadCatalog,
  findGpu,
  findModel,
  findApi,
  gpuNames,
  modelNames,
  apiNames,
  CATALOG_FILE,
  type Catalog,
  type ApiEntry,
} from './catalog/catalog.js';

// The command line itself, for embedding: returns the exit code instead of exiting.
export { main } from './cli/main.js';
export type { Io, ExitCode } from './cli/context.js';
export { VERSION } from './version.js';
