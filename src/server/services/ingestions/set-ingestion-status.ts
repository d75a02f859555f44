// Pause and resume. A paused ingestion has no next run; resuming schedules the next fire time
// from now rather than replaying the ones missed while paused.
import { DomainError } from "@/server/domain/errors";
import { nextIngestionStatus, type IngestionAction } from "@/server/domain/status-transitions";
import type { ServiceDeps } from "@/server/deps";
import { scheduleOf } from "@/server/domain/schedule";
import { findOwnedIngestion, nextRunFor } from "./ingestion-rules";
import type { IngestionView } from "@/shared/contracts/ingestions";
import { ingestionSelect, toIngestionView } from "./ingestion-view";

export async function setIngestionStatus(
  deps: ServiceDeps,
  tenantId: string,
  id: string,
  action: IngestionAction,
): Promise<IngestionView> {
  const current = await findOwnedIngestion(deps, tenantId, id);
  const status = nextIngestionStatus(current.status, action, current.name);
  // Guarded by the status read above, so two concurrent pauses cannot both succeed.
  const { count } = await deps.db.ingestion.updateMany({
    where: { id, tenantId, status: current.status },
    data: { status, nextRunAt: nextRunFor(deps, status, scheduleOf(current)), updatedAt: deps.clock() },
  });
  if (count === 0) {
    throw new DomainError("CONFLICT", `Ingestion '${current.name}' changed while it was being ${action}d; try again`);
  }
  const row = await deps.db.ingestion.findFirstOrThrow({ where: { id, tenantId }, select: ingestionSelect });
  return toIngestionView(row, deps.clock());
}
