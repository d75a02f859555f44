// After a run: the ingestion's next fire time, kept in the future (a run can outlast its slot).
import { nextRunAt, scheduleOf, scheduleSelect } from "@/server/domain/schedule";
import type { ServiceDeps } from "@/server/deps";

/**
 * Keeps an active ingestion's next fire time in the future after a run (a run can outlast its
 * slot); the scheduler tick normally advances it already.
 */
export async function refreshNextRun(deps: ServiceDeps, ingestionId: string, now: Date): Promise<void> {
  const ing = await deps.db.ingestion.findUnique({
    where: { id: ingestionId },
    select: { status: true, nextRunAt: true, ...scheduleSelect },
  });
  if (!ing || ing.status !== "ACTIVE" || ing.scheduleFrequency === null) return;
  if (ing.nextRunAt && ing.nextRunAt > now) return;
  await deps.db.ingestion.updateMany({
    where: { id: ingestionId, status: "ACTIVE", nextRunAt: ing.nextRunAt },
    data: { nextRunAt: nextRunAt(scheduleOf(ing), now, (m) => deps.log.warn(m)) },
  });
}
