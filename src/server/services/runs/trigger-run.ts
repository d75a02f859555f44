// Starts a run of an ingestion. queueRun (runs/run-record.ts) takes the one-active-run guard: of
// several concurrent triggers exactly one creates a run; the others, and any trigger while
// maintenance holds the ingestion, get CONFLICT naming what holds it.
import { DomainError } from "@/server/domain/errors";
import type { ServiceDeps } from "@/server/deps";
import type { RunStarted } from "@/shared/contracts/run-started";
import { activeWork, queueRun } from "@/server/runs/run-record";
import { expireStaleRuns } from "@/server/runs/stopped-run";
import { findOwnedIngestion } from "../ingestions/ingestion-rules";

export type RunTriggerKind = "MANUAL" | "SCHEDULE" | "RETRY" | "REFRESH";

/** What runs.trigger answers (shared/contracts/run-started.ts). */
export type TriggerResult = RunStarted;

export async function triggerRun(
  deps: ServiceDeps,
  tenantId: string,
  ingestionId: string,
  options: { trigger?: RunTriggerKind; retryOfRunId?: string; eventId?: string } = {},
): Promise<TriggerResult> {
  const ingestion = await findOwnedIngestion(deps, tenantId, ingestionId);
  await expireStaleRuns(deps, { ingestionId });
  const queued = await queueRun(deps, { ingestionId, trigger: options.trigger ?? "MANUAL", retryOfRunId: options.retryOfRunId ?? null });
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
