// Maintenance that must not overlap a run (refresh, reprocess, clear, delete with its table)
// holds the ingestion's maintenance lock (run-record.ts): while it is held no run can start, and
// it cannot be taken while a run is active.
import { DomainError } from "@/server/domain/errors";
import {
  activeWork,
  beatMaintenance,
  maintenanceBecomesRun,
  maintenanceHeld,
  releaseMaintenance,
  takeMaintenance,
} from "@/server/runs/run-record";
import { expireStaleRuns } from "@/server/runs/stopped-run";
import type { ServiceDeps } from "@/server/deps";

export interface IngestionGuard {
  /** The lock's holder token. */
  token: string;
  /**
   * Refuses to go on when the guard was lost (the process stalled past the stale-run limit and a
   * trigger expired it): call before each change, so nothing changes without the guard.
   */
  assertHeld(): Promise<void>;
  /** The lock becomes a QUEUED REFRESH run (refresh with autoRun): nothing can start in between. Its id. */
  becomeRun(): Promise<string>;
}

/**
 * Runs `fn` while holding the ingestion's maintenance lock, renewing its heartbeat so stale-run
 * expiry leaves it alone. The lock is released afterwards unless `fn` returns with `keep: true`
 * (delete removes it with the ingestion; a refresh with autoRun turned it into its run). A crash
 * inside `fn` leaves the lock held until stale-run expiry releases it.
 */
export async function withIngestionGuard<T>(
  deps: ServiceDeps,
  ingestion: { id: string; name: string },
  op: { doing: string; operation: string },
  fn: (guard: IngestionGuard) => Promise<{ result: T; keep?: boolean }>,
): Promise<T> {
  await expireStaleRuns(deps, { ingestionId: ingestion.id });
  const taken = await takeMaintenance(deps, ingestion.id, op.operation);
  if (!taken.taken) {
    const active = taken.holder;
    throw new DomainError(
      "CONFLICT",
      `Cannot ${op.doing} ingestion '${ingestion.name}' while ${active ? activeWork(active) : "a run is active"}; wait for it to finish`,
    );
  }
  const token = taken.token;
  const beat = () =>
    beatMaintenance(deps, ingestion.id, token).catch((error: unknown) =>
      deps.log.warn(`[guard ${token}] heartbeat failed: ${(error as Error).message}`),
    );
  const heartbeat = setInterval(() => void beat(), Math.max(50, Math.floor(deps.engine.settings.staleRunMs / 3)));
  heartbeat.unref();
  const lost = () =>
    new DomainError(
      "CONFLICT",
      `Stopped before changing ingestion '${ingestion.name}': the ${op.operation} lost its hold on it (it stalled past the stale-run limit); try again`,
    );
  const guard: IngestionGuard = {
    token,
    async assertHeld() {
      if (!(await maintenanceHeld(deps, ingestion.id, token))) throw lost();
    },
    async becomeRun() {
      const runId = await maintenanceBecomesRun(deps, ingestion.id, token, "REFRESH");
      if (runId === null) throw lost();
      return runId;
    },
  };
  let keep = false;
  try {
    const out = await fn(guard);
    keep = out.keep === true;
    return out.result;
  } finally {
    clearInterval(heartbeat);
    if (!keep) await releaseMaintenance(deps, ingestion.id, token);
  }
}
