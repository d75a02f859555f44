// Ends a run whose process died (its heartbeat stopped): what it committed to the warehouse is
// recorded from the ledger on it, its unfinished files return to the queue, and its status comes
// from its files, with a message that says when it really stopped.
import { stoppedRunStatusFrom } from "@/server/domain/run-outcome";
import type { RunStatusValue } from "@/server/domain/status-transitions";
import { engineMessage } from "@/server/engine/sql";
import type { ServiceDeps } from "@/server/services/deps";
import { releaseClaims } from "./file-state";
import { recordFromLedger } from "./ledger-records";
import { refreshNextRun } from "./pipeline";

export interface StoppedRun {
  id: string;
  ingestionId: string;
  startedAt: Date | null;
  /** Its last heartbeat: every step and the executors' heartbeat touch it. */
  updatedAt: Date;
}

/** The status it ended with, or null when it was no longer active (another process ended it). */
export async function endStoppedRun(deps: ServiceDeps, run: StoppedRun): Promise<RunStatusValue | null> {
  const ingestion = await deps.db.ingestion.findUniqueOrThrow({
    where: { id: run.ingestionId },
    select: { destinationSchema: true, destinationTable: true, tenant: { select: { slug: true } } },
  });
  const held = await deps.db.processedFile.findMany({ where: { runId: run.id, status: "PROCESSING" }, select: { id: true, path: true } });
  let recorded = 0;
  if (held.length > 0) {
    const target = {
      tenantKey: ingestion.tenant.slug,
      ingestionId: run.ingestionId,
      schema: ingestion.destinationSchema,
      table: ingestion.destinationTable,
    };
    try {
      const byRun = await recordFromLedger(deps, target, held, run.id);
      recorded = byRun.get(run.id) ?? 0;
      for (const [other, n] of byRun) {
        if (other !== run.id) deps.log.warn(`[run ${run.id}] ${n} file(s) it held were loaded by run ${other} (the warehouse ledger says so)`);
      }
    } catch (error) {
      // The files stay in the ledger: the next run's reconcile records them on this run then.
      deps.log.warn(`[run ${run.id}] could not read the warehouse ledger (${engineMessage(error)}); the next run records what it committed`);
    }
  }
  const now = deps.clock();
  const unfinished = await releaseClaims(deps.db, run.id, now);
  const counts = await deps.db.run.findUniqueOrThrow({ where: { id: run.id }, select: { filesLoaded: true, filesFailed: true } });
  const status = stoppedRunStatusFrom({ loaded: counts.filesLoaded, failed: counts.filesFailed, unfinished });
  const message = [
    `The run stopped after its last heartbeat at ${run.updatedAt.toISOString()}`,
    ...(recorded > 0 ? [`${recorded} file(s) it had loaded were recorded from the warehouse ledger`] : []),
    ...(unfinished > 0 ? [`${unfinished} unfinished file(s) return to the queue`] : []),
  ].join("; ");
  // It ended when it stopped beating, not when it was found dead.
  const { count } = await deps.db.run.updateMany({
    where: { id: run.id, status: { in: ["QUEUED", "RUNNING"] } },
    data: {
      status,
      activeIngestionId: null,
      currentStep: null,
      error: message,
      finishedAt: run.updatedAt,
      durationMs: run.startedAt ? Math.max(0, run.updatedAt.getTime() - run.startedAt.getTime()) : 0,
      updatedAt: now,
    },
  });
  if (count === 0) return null;
  await deps.db.ingestion.update({ where: { id: run.ingestionId }, data: { lastRunAt: run.updatedAt, lastRunStatus: status } });
  await refreshNextRun(deps, run.ingestionId, now);
  deps.log.warn(`[run ${run.id}] ended ${status}: ${message}`);
  return status;
}
