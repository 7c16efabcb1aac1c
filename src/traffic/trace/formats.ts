import type { TraceFormat } from '../../workload/scenario.js';
import { azureRows } from './azure.js';
import { burstgptRows } from './burstgpt.js';
import { mooncakeRows } from './mooncake.js';
import type { RowSourceFactory } from './rowSource.js';
import { userCsvRows } from './userCsv.js';
import { vidurRows } from './vidur.js';

/** The parser of each trace format (one file each). */
export const TRACE_FORMATS: Readonly<Record<TraceFormat, RowSourceFactory>> = {
  azure: azureRows,
  mooncake: mooncakeRows,
  vidur: vidurRows,
  burstgpt: burstgptRows,
  csv: userCsvRows,
};

export const TRACE_FORMAT_NAMES = Object.keys(TRACE_FORMATS) as TraceFormat[];
