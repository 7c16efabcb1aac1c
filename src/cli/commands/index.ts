import type { Command } from 'commander';
import type { ExitCode, Io } from '../context.js';
import { registerRun } from './run.js';
import { registerTrace } from './trace.js';
import { registerValidate } from './validate.js';
import { registerCatalog } from './catalog.js';
import { registerCalibrate } from './calibrate.js';
import { registerSweep } from './sweep.js';
import { registerMerge } from './merge.js';
import { registerPlan } from './plan.js';
import { registerReport } from './report.js';
import { registerInit } from './init.js';

/** A command registers itself on the program and reports its exit code through `done`. */
export type RegisterCommand = (program: Command, io: Io, done: (code: ExitCode) => void) => void;

/** Every command of the CLI, in the order `capsim --help` lists them. */
export const commands: RegisterCommand[] = [registerRun, registerTrace, registerValidate, registerCatalog, registerCalibrate, registerReport, registerSweep, registerPlan, registerMerge, registerInit];
