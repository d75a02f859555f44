// The one place a run ends: from its files. Whatever ended it — its steps all ran, an error
// escaped the pipeline, or its process died — the files it still holds that the warehouse ledger
// has are recorded on it, the rest return to the queue, and its status comes from its files (its
// counters, which every file-state change updates in the same statement). The run row (run-record.ts) and
// the ingestion's lastRun fields are written here; the caller keeps the next fire time in the future.
import { runStatusFrom, stoppedRunStatusFrom } from "@/server/domain/run-outcome";
import { ACTIVE_RUN_STATUSES, assertRunTransition, type RunStatusValue } from "@/server/domain/status-transitions";
import { engineMessage } from "@/server/engine/sql";
import type { ServiceDeps } from "@/server/deps";
import { releaseClaims } from "./file-state";
import { recordFromLedger } from "./ledger-records";
import { recordRunEnd } from "./run-record";

export type RunEnding =
  /** Every step ran (the finish step). */
  | { kind: "finished" }
  /** An error escaped the pipeline; `cause` is its message, first in the run's. */
  | { kind: "failed"; cause: string }
  /** Its process died; it ended at its last heartbeat. */
  | { kind: "stopped"; lastHeartbeat: Date }
  /** runs.cancel asked it to stop (at `requestedAt`), and it stopped at a batch boundary. */
  | { kind: "cancelled"; requestedAt: Date };

export interface RunEnd {
  status: Exclude<RunStatusValue, "QUEUED" | "RUNNING">;
  ingestionId: string;
  /** When it ended: now, or its last heartbeat for a run whose process died. */
  at: Date;
  error: string | null;
}

/**
 * Ends the active run `runId` from its files. Returns null when it was no longer active (another
 * process ended it); a finished pipeline whose run is no longer active is refused, as before.
 */
export async function endRunFromFiles(deps: ServiceDeps, runId: string, ending: RunEnding): Promise<RunEnd | null> {
  const run = await deps.db.run.findUnique({
    where: { id: runId },
    select: { status: true, ingestionId: true, startedAt: true, filesLoaded: true, filesFailed: true },
  });
  if (!run) return null;
  if (!ACTIVE_RUN_STATUSES.includes(run.status)) {
    if (ending.kind === "finished") assertRunTransition(run.status, runStatusFrom({ loaded: run.filesLoaded, failed: run.filesFailed }));
    return null;
  }
  const ledger = await recordHeldFromLedger(deps, runId, run.ingestionId);
  const now = deps.clock();
  const unfinished = await releaseClaims(deps.db, runId, now);
  const counts = await deps.db.run.findUniqueOrThrow({ where: { id: runId }, select: { filesLoaded: true, filesFailed: true } });
  const files = { loaded: counts.filesLoaded, failed: counts.filesFailed };
  // A run that went through its steps with nothing held back may have had nothing new; one that
  // ended early (or left files unfinished) succeeded only if every file it held loaded.
  const status =
    ending.kind === "cancelled"
      ? "CANCELLED"
      : ending.kind === "finished" && unfinished === 0
        ? runStatusFrom(files)
        : stoppedRunStatusFrom({ ...files, unfinished });
  if (ending.kind === "finished") assertRunTransition(run.status, status);
  const firstFailure =
    ending.kind === "finished" && status === "FAILED" && files.failed > 0
      ? await deps.db.processedFile.findFirst({ where: { runId, status: "FAILED" }, select: { path: true, error: true } })
      : null;
  const parts = [
    ...(ending.kind === "failed" ? [ending.cause] : []),
    ...(ending.kind === "stopped" ? [`The run stopped after its last heartbeat at ${ending.lastHeartbeat.toISOString()}`] : []),
    ...(ending.kind === "cancelled"
      ? [`Cancelled on request (at ${ending.requestedAt.toISOString()}); the ${files.loaded} file(s) it loaded stay loaded`]
      : []),
    ...(firstFailure ? [`All ${files.failed} file(s) failed; first: ${firstFailure.path}: ${firstFailure.error ?? "?"}`] : []),
    ...(ledger.recorded > 0 ? [`${ledger.recorded} file(s) it had loaded were recorded from the warehouse ledger`] : []),
    ...(ledger.unreadable !== null
      ? [`the warehouse ledger could not be read (${ledger.unreadable}), so the next run records what it committed`]
      : []),
    ...(unfinished > 0 ? [`${unfinished} unfinished file(s) return to the queue`] : []),
  ];
  const error = parts.length > 0 ? parts.join("; ") : null;
  // A run whose process died ended when it stopped beating, not when it was found dead.
  const at = ending.kind === "stopped" ? ending.lastHeartbeat : now;
  const stillActive = await recordRunEnd(deps, runId, {
    status,
    error,
    finishedAt: at,
    durationMs: run.startedAt ? Math.max(0, at.getTime() - run.startedAt.getTime()) : 0,
    updatedAt: now,
  });
  if (!stillActive) {
    if (ending.kind === "finished") {
      const ended = await deps.db.run.findUniqueOrThrow({ where: { id: runId }, select: { status: true } });
      assertRunTransition(ended.status, status);
    }
    return null;
  }
  await deps.db.ingestion.update({ where: { id: run.ingestionId }, data: { lastRunAt: at, lastRunStatus: status } });
  return { status, ingestionId: run.ingestionId, at, error };
}

/**
 * The files the run still holds (PROCESSING, its claims) that the warehouse ledger has: recorded
 * as loaded, on the run the ledger names (this one, unless another run loaded them). An unreadable
 * ledger leaves them in it: the next run's reconcile records them on this run then.
 */
async function recordHeldFromLedger(
  deps: ServiceDeps,
  runId: string,
  ingestionId: string,
): Promise<{ recorded: number; unreadable: string | null }> {
  const held = await deps.db.processedFile.findMany({ where: { runId, status: "PROCESSING" }, select: { id: true, path: true } });
  if (held.length === 0) return { recorded: 0, unreadable: null };
  const ingestion = await deps.db.ingestion.findUniqueOrThrow({
    where: { id: ingestionId },
    select: { destinationSchema: true, destinationTable: true, tenant: { select: { slug: true } } },
  });
  const target = { tenantKey: ingestion.tenant.slug, ingestionId, schema: ingestion.destinationSchema, table: ingestion.destinationTable };
  try {
    const byRun = await recordFromLedger(deps, target, held, runId);
    for (const [other, n] of byRun) {
      if (other !== runId) deps.log.warn(`[run ${runId}] ${n} file(s) it held were loaded by run ${other} (the warehouse ledger says so)`);
    }
    return { recorded: byRun.get(runId) ?? 0, unreadable: null };
  } catch (error) {
    const message = engineMessage(error);
    deps.log.warn(`[run ${runId}] could not read the warehouse ledger (${message}); the next run records what it committed`);
    return { recorded: 0, unreadable: message };
  }
}
