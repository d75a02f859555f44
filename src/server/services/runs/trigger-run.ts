// Starts a run of an ingestion. The unique `activeIngestionId` index is the guard: of several
// concurrent triggers exactly one creates a run; the others get CONFLICT naming it.
import { DomainError } from "@/server/domain/errors";
import type { ServiceDeps } from "../deps";
import { activeWork, expireStaleRuns, MAINTENANCE_STEP } from "../ingestions/ingestion-guard";

export { expireStaleRuns };
import { findOwnedIngestion } from "../ingestions/ingestion-rules";

export type RunTriggerKind = "MANUAL" | "SCHEDULE" | "RETRY" | "REFRESH";

export type TriggerResult = { method: "direct"; runId: string } | { method: "inngest"; runId: string; eventId: string };

export async function triggerRun(
  deps: ServiceDeps,
  tenantId: string,
  ingestionId: string,
  options: { trigger?: RunTriggerKind; retryOfRunId?: string; eventId?: string } = {},
): Promise<TriggerResult> {
  const ingestion = await findOwnedIngestion(deps, tenantId, ingestionId);
  await expireStaleRuns(deps, { ingestionId });
  let runId: string;
  try {
    const run = await deps.db.run.create({
      data: {
        ingestionId,
        activeIngestionId: ingestionId,
        status: "QUEUED",
        trigger: options.trigger ?? "MANUAL",
        method: "DIRECT",
        retryOfRunId: options.retryOfRunId ?? null,
        queuedAt: deps.clock(),
      },
      select: { id: true },
    });
    runId = run.id;
  } catch (error) {
    if ((error as { code?: string }).code !== "P2002") throw error;
    const active = await deps.db.run.findFirst({
      where: { activeIngestionId: ingestionId },
      select: { id: true, status: true, currentStep: true },
    });
    throw new DomainError(
      "CONFLICT",
      active?.currentStep?.startsWith(MAINTENANCE_STEP)
        ? `Ingestion '${ingestion.name}' is busy: ${activeWork(active)}; try again when it finishes`
        : active
          ? `Ingestion '${ingestion.name}' already has an active run ${active.id} (${active.status.toLowerCase()}); wait for it to finish`
          : `Ingestion '${ingestion.name}' already has an active run; wait for it to finish`,
    );
  }
  const launched = await deps.runs.launch({
    runId,
    ingestionId,
    tenantId,
    // Manual runs are unique by their run; scheduled ones by their slot (see scheduler-tick).
    eventId: options.eventId ?? `run:${runId}`,
  });
  return launched.method === "inngest" ? { method: "inngest", runId, eventId: launched.eventId } : { method: "direct", runId };
}
