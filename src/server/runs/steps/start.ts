// The start step: the run becomes RUNNING (unless its slot decision made it so), and a retry
// learns whether it retries files or is a full run.
import type { ServiceDeps } from "@/server/deps";
import { assertRunTransition } from "@/server/domain/status-transitions";
import { markRunning } from "../run-record";
import type { RunContext } from "./context";

/**
 * Whether a run held or attempted any file (a retry of it then takes only those). Its counters
 * say so even after a refresh or clear forgot the files themselves.
 */
export async function runHadFiles(deps: ServiceDeps, runId: string): Promise<boolean> {
  const run = await deps.db.run.findUnique({ where: { id: runId }, select: { filesLoaded: true, filesFailed: true } });
  if (run && run.filesLoaded + run.filesFailed > 0) return true;
  const n = await deps.db.processedFile.count({ where: { OR: [{ runId }, { attempts: { some: { runId } } }] }, take: 1 });
  return n > 0;
}

export async function startRun(deps: ServiceDeps, runId: string): Promise<RunContext> {
  const run = await deps.db.run.findUniqueOrThrow({
    where: { id: runId },
    select: {
      status: true,
      ingestionId: true,
      retryOfRunId: true,
      ingestion: { select: { tenant: { select: { slug: true } } } },
    },
  });
  // A retry of a run that failed before it held any file (say, storage was down) is a full run.
  const retryOf = run.retryOfRunId && (await runHadFiles(deps, run.retryOfRunId)) ? run.retryOfRunId : null;
  if (run.status !== "RUNNING") {
    assertRunTransition(run.status, "RUNNING");
    await markRunning(deps, runId);
  }
  return { runId, ingestionId: run.ingestionId, tenantKey: run.ingestion.tenant.slug, retryOf };
}
