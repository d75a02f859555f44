// Cancels a run: a queued one ends CANCELLED at once; a running one is asked to stop and does so
// at its next batch boundary (the pipeline checks cancelRequestedAt), keeping what it committed
// and giving its unfinished files back to the queue.
import { DomainError, notFound } from "@/server/domain/errors";
import { FINAL_RUN_STATUSES } from "@/server/domain/status-transitions";
import type { ServiceDeps } from "@/server/deps";
import { cancelQueuedRun, requestCancel } from "@/server/runs/run-record";
import type { RunDetail } from "@/shared/contracts/runs";
import { getRun } from "./get-run";

export async function cancelRun(deps: ServiceDeps, tenantId: string, runId: string): Promise<RunDetail["run"]> {
  const run = await deps.db.run.findFirst({
    where: { id: runId, ingestion: { tenantId } },
    select: { status: true, ingestionId: true, cancelRequestedAt: true },
  });
  if (!run) throw notFound("run", runId);
  if (FINAL_RUN_STATUSES.includes(run.status)) {
    throw new DomainError("BAD_REQUEST", `Run ${runId} already finished as ${run.status}; only a queued or running run can be cancelled`);
  }
  const now = deps.clock();
  if (run.status === "QUEUED") {
    // It holds no file yet: it ends now, and frees its ingestion.
    const cancelled = await cancelQueuedRun(deps, runId, now);
    if (cancelled) {
      await deps.db.ingestion.update({ where: { id: run.ingestionId }, data: { lastRunAt: now, lastRunStatus: "CANCELLED" } });
      return (await getRun(deps, tenantId, runId)).run;
    }
    // It started meanwhile: ask it to stop like any running run.
  }
  await requestCancel(deps, runId, now);
  return (await getRun(deps, tenantId, runId)).run;
}
