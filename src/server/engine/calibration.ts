// The load model as this machine measured it: reads the calibration file `npm run bench` writes
// (config.cost.calibrationFile) for domain/load-model.ts. In engine/ because the figures are the
// engine's measured speed and both the run's claim step and the services' estimates need them
// (runs/ may not import services/).
import { readFile } from "node:fs/promises";
import { runLoadMs, type CostFormat } from "@/server/domain/cost";
import { resolveLoadModel, type CalibrationRead, type ResolvedLoadModel } from "@/server/domain/load-model";

/** What the load model reads of the deps. */
export interface CalibrationDeps {
  config: { cost?: { calibrationFile?: string } };
}

/** The load model of `format`, read again on each call, so a new `npm run bench` counts at once. */
export async function loadModel(deps: CalibrationDeps, format: CostFormat): Promise<ResolvedLoadModel> {
  const file = deps.config.cost?.calibrationFile;
  let read: CalibrationRead = {};
  if (file) {
    try {
      read = { file, text: await readFile(file, "utf8") };
    } catch (error) {
      read = { file, error: error as NodeJS.ErrnoException };
    }
  }
  return resolveLoadModel(format, read);
}

/** How long a run that claimed `files` files of `bytes` of `format` should take, in whole milliseconds. */
export async function estimateLoadDurationMs(deps: CalibrationDeps, format: CostFormat, claimed: { files: number; bytes: number }): Promise<number> {
  return runLoadMs(claimed, await loadModel(deps, format));
}
