// Ends a run whose process died (its heartbeat stopped), from its files (endRunFromFiles): what it
// committed to the warehouse is recorded from the ledger on it, its unfinished files return to the
// queue, and its status comes from its files, with a message that says when it really stopped.
// Stale-run expiry (before a trigger or maintenance takes the guard) and the clean-up at server
// start find such runs.
import type { RunStatusValue } from "@/server/domain/status-transitions";
import type { ServiceDeps } from "@/server/deps";
import { refreshNextRun } from "./next-run";
import { endRunFromFiles } from "./run-end";
import { releaseMaintenance, staleMaintenance, WAITING_STEP } from "./run-record";
import { startWaitingRuns } from "./run-slots";

export interface StoppedRun {
  id: string;
  ingestionId: string;
  startedAt: Date | null;
  /** Its last heartbeat: every step and the executors' heartbeat touch it. */
  updatedAt: Date;
}

/** The status it ended with, or null when it was no longer active (another process ended it). */
export async function endStoppedRun(deps: ServiceDeps, run: StoppedRun): Promise<RunStatusValue | null> {
  const ended = await endRunFromFiles(deps, run.id, { kind: "stopped", lastHeartbeat: run.updatedAt });
  if (!ended) return null;
  await refreshNextRun(deps, ended.ingestionId, deps.clock());
  deps.log.warn(`[run ${run.id}] ended ${ended.status}: ${ended.error}`);
  return ended.status;
}

/**
 * Frees the slot of active runs whose heartbeat stopped (their process died): a run is ended from
 * its files and the warehouse ledger (endStoppedRun) and its unfinished files return to the
 * queue; a dead maintenance lock is released (it is no run). `anyAge`: every active run is dead,
 * however recent its heartbeat (the embedded database at start: it has one process).
 */
export async function expireStaleRuns(
  deps: ServiceDeps,
  where: { ingestionId?: string } = {},
  opts: { anyAge?: boolean } = {},
): Promise<number> {
  const cutoff = new Date(deps.clock().getTime() - deps.engine.settings.staleRunMs);
  const stale = await deps.db.run.findMany({
    where: {
      ...where,
      // A run waiting for a slot has no process and holds no file: it is not dead, only waiting.
      OR: [{ status: "RUNNING" }, { status: "QUEUED", currentStep: null }, { status: "QUEUED", currentStep: { not: WAITING_STEP } }],
      ...(opts.anyAge ? {} : { updatedAt: { lt: cutoff } }),
    },
    select: { id: true, ingestionId: true, startedAt: true, updatedAt: true },
    orderBy: { id: "asc" },
  });
  for (const r of stale) await endStoppedRun(deps, r);
  // A maintenance lock whose heartbeat stopped is released (it is no run: nothing to end).
  const holds = await staleMaintenance(deps, where, opts.anyAge ? null : cutoff);
  for (const h of holds) {
    deps.log.warn(`[guard ${h.token}] ${h.operation} on ingestion ${h.ingestionId} stopped before it finished; its hold is released`);
    await releaseMaintenance(deps, h.ingestionId, h.token);
  }
  // The slots they held are free again.
  if (stale.length + holds.length > 0) await startWaitingRuns(deps);
  return stale.length + holds.length;
}

/**
 * At server start: the embedded database belongs to this one process, so any run still active
 * there was interrupted by the last shutdown; on PostgreSQL other servers may be running, so
 * only runs whose heartbeat stopped are. Returns how many were ended.
 */
export async function expireRunsAtStart(deps: ServiceDeps, database: "pglite" | "postgres"): Promise<number> {
  const n = await expireStaleRuns(deps, {}, { anyAge: database === "pglite" });
  if (n > 0 && database === "pglite") deps.log.warn(`[runs] ${n} run(s) interrupted by the last shutdown were ended from their files and the warehouse ledger`);
  return n;
}
