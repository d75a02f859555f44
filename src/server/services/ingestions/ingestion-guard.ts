// Maintenance that must not overlap a run (refresh, reprocess, clear, delete with its table)
// holds the same guard runs hold: a QUEUED run row owning the ingestion's `activeIngestionId`.
// While it exists no run can start, and the operation cannot start while a run is active.
import { DomainError } from "@/server/domain/errors";
import { startWaitingRuns, WAITING_STEP } from "@/server/runs/run-slots";
import { endStoppedRun } from "@/server/runs/stopped-run";
import type { ServiceDeps } from "../deps";

/** `currentStep` of a guard row: marks it as maintenance, not a run (lists leave it out). */
export const MAINTENANCE_STEP = "maintenance: ";

export interface IngestionGuard {
  /** The run row holding the guard. */
  runId: string;
  /**
   * Refuses to go on when the guard was lost (the process stalled past the stale-run limit and a
   * trigger expired it): call before each change, so nothing changes without the guard.
   */
  assertHeld(): Promise<void>;
}

/** What holds an ingestion, in words: "run X is running" or "another operation (a refresh) is in progress". */
export function activeWork(active: { id: string; status: string; currentStep: string | null }): string {
  return active.currentStep?.startsWith(MAINTENANCE_STEP)
    ? `another operation (${active.currentStep.slice(MAINTENANCE_STEP.length)}) is in progress`
    : `run ${active.id} is ${active.status.toLowerCase()}`;
}

/**
 * Frees the slot of active runs whose heartbeat stopped (their process died): a run is ended from
 * its files and the warehouse ledger (endStoppedRun) and its unfinished files return to the
 * queue; a dead maintenance guard is removed (it is no run). `anyAge`: every active run is dead,
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
    select: { id: true, ingestionId: true, currentStep: true, startedAt: true, updatedAt: true },
    orderBy: { id: "asc" },
  });
  for (const r of stale) {
    if (r.currentStep?.startsWith(MAINTENANCE_STEP)) {
      deps.log.warn(`[guard ${r.id}] ${r.currentStep.slice(MAINTENANCE_STEP.length)} on ingestion ${r.ingestionId} stopped before it finished; its hold is released`);
      await deps.db.run.deleteMany({ where: { id: r.id, status: "QUEUED" } });
      continue;
    }
    await endStoppedRun(deps, r);
  }
  // The slots they held are free again.
  if (stale.length > 0) await startWaitingRuns(deps);
  return stale.length;
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

/**
 * Runs `fn` while holding the ingestion's run guard, renewing its heartbeat so stale-run expiry
 * leaves it alone. The guard row is removed afterwards unless `fn` returns with `keep: true`
 * (refresh with autoRun launches it as its run; delete removes it with the ingestion). A crash
 * inside `fn` leaves a QUEUED row that stale-run expiry fails later, freeing the ingestion.
 */
export async function withIngestionGuard<T>(
  deps: ServiceDeps,
  ingestion: { id: string; name: string },
  op: { doing: string; operation: string },
  fn: (guard: IngestionGuard) => Promise<{ result: T; keep?: boolean }>,
): Promise<T> {
  await expireStaleRuns(deps, { ingestionId: ingestion.id });
  let runId: string;
  try {
    const row = await deps.db.run.create({
      data: {
        ingestionId: ingestion.id,
        activeIngestionId: ingestion.id,
        status: "QUEUED",
        trigger: "REFRESH",
        method: "DIRECT",
        currentStep: `${MAINTENANCE_STEP}${op.operation}`,
        queuedAt: deps.clock(),
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
      `Cannot ${op.doing} ingestion '${ingestion.name}' while ${active ? activeWork(active) : "a run is active"}; wait for it to finish`,
    );
  }
  const beat = () =>
    deps.db.run
      .updateMany({ where: { id: runId, status: "QUEUED" }, data: { updatedAt: deps.clock() } })
      .catch((error: unknown) => deps.log.warn(`[guard ${runId}] heartbeat failed: ${(error as Error).message}`));
  const heartbeat = setInterval(() => void beat(), Math.max(50, Math.floor(deps.engine.settings.staleRunMs / 3)));
  heartbeat.unref();
  const guard: IngestionGuard = {
    runId,
    async assertHeld() {
      const held = await deps.db.run.count({ where: { id: runId, status: "QUEUED", activeIngestionId: ingestion.id } });
      if (held === 0) {
        throw new DomainError(
          "CONFLICT",
          `Stopped before changing ingestion '${ingestion.name}': the ${op.operation} lost its hold on it (it stalled past the stale-run limit); try again`,
        );
      }
    },
  };
  let keep = false;
  try {
    const out = await fn(guard);
    keep = out.keep === true;
    return out.result;
  } finally {
    clearInterval(heartbeat);
    if (!keep) await deps.db.run.deleteMany({ where: { id: runId } });
  }
}
