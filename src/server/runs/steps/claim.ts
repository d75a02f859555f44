// The claim step: the run takes the files it loads (within its limits), records what it expects
// that to take, and splits them into batches.
import type { ServiceDeps } from "@/server/deps";
import { estimateLoadDurationMs } from "@/server/engine/calibration";
import { partitionBatches } from "@/server/domain/run-outcome";
import { claimFiles, refreshFileStatistics, REFRESH_STATISTICS_FROM_FILES } from "../file-state";
import { recordEstimate } from "../run-record";
import { cancelRequested, loadIngestion, type RunContext } from "./context";

export async function claimForRun(
  deps: ServiceDeps,
  ctx: RunContext,
): Promise<{ batches: string[][]; claimed: number; cancelled?: true }> {
  // Cancelled before it held a file: it claims none.
  if (await cancelRequested(deps, ctx.runId)) return { batches: [], claimed: 0, cancelled: true };
  const ingestion = await loadIngestion(deps, ctx.ingestionId);
  const claimed = await claimFiles(deps.db, {
    ingestionId: ctx.ingestionId,
    runId: ctx.runId,
    now: deps.clock(),
    leaseMs: deps.engine.settings.leaseMs,
    maxRetries: deps.engine.settings.maxFileRetries,
    maxFiles: ingestion.maxFilesPerRun,
    maxBytes: ingestion.maxBytesPerRun === null ? null : Number(ingestion.maxBytesPerRun),
    onlyFilesOfRun: ctx.retryOf ?? null,
  });
  // So many files changed state that the planner's picture of them is wrong (PGlite never updates it by itself).
  // Best effort: the files are claimed already, and a failed step would leave its retry none to take.
  if (claimed.length >= REFRESH_STATISTICS_FROM_FILES) {
    await refreshFileStatistics(deps.db).catch((error: unknown) =>
      deps.log.warn(`[run ${ctx.runId}] could not refresh the file tables' statistics: ${(error as Error).message}`),
    );
  }
  // The estimate the run is later compared with: what it claimed (files and bytes), by the calibrated load model.
  const bytes = claimed.reduce((n, f) => n + f.size, 0);
  await recordEstimate(deps, ctx.runId, {
    bytes,
    durationMs: Math.min(await estimateLoadDurationMs(deps, ingestion.format, { files: claimed.length, bytes }), 2_147_483_647),
  });
  const { batchMaxFiles, batchMaxBytes } = deps.engine.settings;
  const batches = partitionBatches(claimed, batchMaxFiles, batchMaxBytes).map((b) => b.map((f) => f.id));
  return { batches, claimed: claimed.length };
}
