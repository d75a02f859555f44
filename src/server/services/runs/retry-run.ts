// Retries a FAILED or PARTIAL run: a new run, linked to it, that loads only the files it left
// unfinished. The original run stays as it was (its outcomes are its file attempts).
import { DomainError, notFound } from "@/server/domain/errors";
import { UNFINISHED } from "@/server/runs/file-state";
import { runHadFiles } from "@/server/runs/steps/start";
import type { ServiceDeps } from "@/server/deps";
import type { RetryRunOutput } from "@/shared/contracts/runs";
import { triggerRun } from "./trigger-run";

/** What runs.retry answers (shared/contracts/runs.ts). */
export type RetryResult = RetryRunOutput;


export async function retryRun(deps: ServiceDeps, tenantId: string, runId: string): Promise<RetryResult> {
  const run = await deps.db.run.findFirst({
    where: { id: runId, ingestion: { tenantId } },
    select: { id: true, status: true, ingestionId: true },
  });
  if (!run) throw notFound("run", runId);
  switch (run.status) {
    case "QUEUED":
    case "RUNNING":
      throw new DomainError("BAD_REQUEST", `Run ${runId} is still ${run.status.toLowerCase()}; only a finished FAILED or PARTIAL run can be retried`);
    case "SUCCEEDED":
      throw new DomainError("BAD_REQUEST", `Run ${runId} succeeded: every file it claimed loaded, so there is nothing to retry`);
    case "NO_NEW_FILES":
      throw new DomainError("BAD_REQUEST", `Run ${runId} found no new files, so there is nothing to retry; trigger a new run instead`);
    case "CANCELLED":
      throw new DomainError(
        "BAD_REQUEST",
        `Run ${runId} was cancelled: the files it had not loaded are pending again and load with the next run; trigger a new run instead`,
      );
    case "FAILED":
    case "PARTIAL":
      break;
  }
  let filesToRetry: number | null = null;
  if (await runHadFiles(deps, runId)) {
    filesToRetry = await deps.db.processedFile.count({
      where: {
        status: { in: [...UNFINISHED] },
        OR: [{ runId }, { attempts: { some: { runId } } }],
      },
    });
    if (filesToRetry === 0) {
      throw new DomainError("BAD_REQUEST", `Nothing to retry: every file of run ${runId} has loaded since, or was skipped or forgotten by a refresh or clear`);
    }
  }
  const started = await triggerRun(deps, tenantId, run.ingestionId, { trigger: "RETRY", retryOfRunId: runId });
  return { ...started, retryOfRunId: runId, filesToRetry };
}
