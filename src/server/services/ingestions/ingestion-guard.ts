// Maintenance that must not overlap a run (refresh, reprocess, clear, delete with its table)
// holds the same guard runs hold: a QUEUED run row owning the ingestion's `activeIngestionId`.
// While it exists no run can start, and the operation cannot start while a run is active.
import { DomainError } from "@/server/domain/errors";
import type { ServiceDeps } from "../deps";

export interface IngestionGuard {
  /** The run row holding the guard; `keepAsRun` turns it into a real run instead of removing it. */
  runId: string;
}

/**
 * Runs `fn` while holding the ingestion's run guard. The guard row is removed afterwards unless
 * `fn` returns with `keep: true` (refresh with autoRun launches it as its run). A crash inside
 * `fn` leaves a QUEUED row that stale-run expiry fails later, freeing the ingestion.
 */
export async function withIngestionGuard<T>(
  deps: ServiceDeps,
  ingestion: { id: string; name: string },
  doing: string,
  fn: (guard: IngestionGuard) => Promise<{ result: T; keep?: boolean }>,
): Promise<T> {
  let runId: string;
  try {
    const now = deps.clock();
    const row = await deps.db.run.create({
      data: {
        ingestionId: ingestion.id,
        activeIngestionId: ingestion.id,
        status: "QUEUED",
        trigger: "REFRESH",
        method: "DIRECT",
        currentStep: doing,
        queuedAt: now,
      },
      select: { id: true },
    });
    runId = row.id;
  } catch (error) {
    if ((error as { code?: string }).code !== "P2002") throw error;
    const active = await deps.db.run.findFirst({
      where: { activeIngestionId: ingestion.id },
      select: { id: true, status: true, currentStep: true },
    });
    throw new DomainError(
      "CONFLICT",
      active
        ? `Cannot ${doing} ingestion '${ingestion.name}' while run ${active.id} is ${active.status.toLowerCase()}; wait for it to finish`
        : `Cannot ${doing} ingestion '${ingestion.name}' while a run is active; wait for it to finish`,
    );
  }
  let keep = false;
  try {
    const out = await fn({ runId });
    keep = out.keep === true;
    return out.result;
  } finally {
    if (!keep) await deps.db.run.deleteMany({ where: { id: runId } });
  }
}
