// Starts a run of an ingestion. queueRun (runs/run-record.ts) takes the one-active-run guard: of
// several concurrent triggers exactly one creates a run; the others, and any trigger while
// maintenance holds the ingestion, get CONFLICT naming what holds it.
import { DomainError, notFound } from "@/server/domain/errors";
import type { ServiceDeps } from "@/server/deps";
import type { RunStarted } from "@/shared/contracts/run-started";
import { activeWork, queueRun } from "@/server/runs/run-record";
import { expireStaleRuns } from "@/server/runs/stopped-run";
import { readSql } from "@/server/db/read-sql";

export type RunTriggerKind = "MANUAL" | "SCHEDULE" | "RETRY" | "REFRESH";

/** What runs.trigger answers (shared/contracts/run-started.ts). */
export type TriggerResult = RunStarted;

export async function triggerRun(
  deps: ServiceDeps,
  tenantId: string,
  ingestionId: string,
  options: { trigger?: RunTriggerKind; retryOfRunId?: string; eventId?: string } = {},
): Promise<TriggerResult> {
  // Scoped by tenant in the statement: another tenant's ingestion is indistinguishable from none.
  const [ingestion] = await readSql(deps.db).query<{ name: string }>(`SELECT name FROM "Ingestion" WHERE id = $1 AND "tenantId" = $2`, [ingestionId, tenantId]);
  if (!ingestion) throw notFound("ingestion", ingestionId);
  const request = { ingestionId, trigger: options.trigger ?? "MANUAL", retryOfRunId: options.retryOfRunId ?? null } as const;
  let queued = await queueRun(deps, request);
  // Held: by a run (or maintenance) whose process died, the guard is freed and the run queued;
  // the check costs only the triggers that meet a holder.
  if (!queued.queued && (await expireStaleRuns(deps, { ingestionId })) > 0) queued = await queueRun(deps, request);
  if (!queued.queued) {
    const active = queued.holder;
    throw new DomainError(
      "CONFLICT",
      active?.kind === "maintenance"
        ? `Ingestion '${ingestion.name}' is busy: ${activeWork(active)}; try again when it finishes`
        : active
          ? `Ingestion '${ingestion.name}' already has an active run ${active.id} (${active.status.toLowerCase()}); wait for it to finish`
          : `Ingestion '${ingestion.name}' already has an active run; wait for it to finish`,
    );
  }
  const runId = queued.runId;
  const launched = await deps.runs.launch({
    runId,
    ingestionId,
    tenantId,
    // Manual runs are unique by their run; scheduled ones by their slot (see scheduler-tick).
    eventId: options.eventId ?? `run:${runId}`,
  });
  return launched.method === "inngest" ? { method: "inngest", runId, eventId: launched.eventId } : { method: "direct", runId };
}
