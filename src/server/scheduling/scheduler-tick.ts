// One scheduler tick: start a run for every active ingestion whose next fire time has come.
// The same logic runs in Inngest's cron function and in the embedded ticker.
import { DomainError } from "@/server/domain/errors";
import { nextRunAt, scheduleOf, scheduleSelect } from "@/server/domain/schedule";
import { startWaitingRuns } from "@/server/runs/run-slots";
import type { ServiceDeps } from "@/server/deps";
import { expireStaleRuns } from "@/server/runs/stopped-run";
import { triggerRun } from "@/server/services/runs/trigger-run";

export interface TickResult {
  due: number;
  started: { ingestionId: string; runId: string; method: "direct" | "inngest"; slot: string }[];
  skipped: { ingestionId: string; reason: string }[];
}

/** The minute a scheduled run belongs to, e.g. 2026-11-22T14:30: the dedup key of its event. */
export function slotOf(at: Date): string {
  return at.toISOString().slice(0, 16);
}

export async function runSchedulerTick(deps: ServiceDeps, now: Date = deps.clock()): Promise<TickResult> {
  // One indexed query (status, nextRunAt) for every due ingestion.
  const due = await deps.db.ingestion.findMany({
    where: { status: "ACTIVE", nextRunAt: { lte: now } },
    orderBy: { nextRunAt: "asc" },
    select: { id: true, tenantId: true, nextRunAt: true, ...scheduleSelect },
  });
  const result: TickResult = { due: due.length, started: [], skipped: [] };
  for (const ing of due) {
    if (!ing.nextRunAt) continue;
    const slot = slotOf(ing.nextRunAt);
    // Fire times missed while the server was down are not replayed: the next one is after now.
    const next = nextRunAt(scheduleOf(ing), now, (m) => deps.log.warn(`[scheduler] ${ing.id}: ${m}`));
    // Compare-and-set on the fire time: of two ticks for one slot, only one goes on.
    const { count } = await deps.db.ingestion.updateMany({
      where: { id: ing.id, status: "ACTIVE", nextRunAt: ing.nextRunAt },
      data: { nextRunAt: next },
    });
    if (count === 0) {
      result.skipped.push({ ingestionId: ing.id, reason: "another tick took this slot" });
      continue;
    }
    try {
      const r = await triggerRun(deps, ing.tenantId, ing.id, { trigger: "SCHEDULE", eventId: `${ing.id}:${slot}` });
      result.started.push({ ingestionId: ing.id, runId: r.runId, method: r.method, slot });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // Usually CONFLICT: the previous run is still going; this slot is skipped, not queued.
      deps.log.warn(`[scheduler] ${ing.id} slot ${slot} skipped: ${error.message}`);
      result.skipped.push({ ingestionId: ing.id, reason: error.message });
    }
  }
  // The safety net of the queue. A run whose process died holds its slot until its heartbeat is
  // stale: end those (every ingestion's, not only the triggered ones), so one dead process cannot
  // keep every tenant waiting; then runs waiting for a slot start here if one is free (after a
  // restart, or when the run that freed it could not start them).
  const expired = await expireStaleRuns(deps);
  if (expired > 0) deps.log.warn(`[scheduler] ended ${expired} run(s) whose process stopped beating`);
  const resumed = await startWaitingRuns(deps);
  if (resumed.length > 0) deps.log.info(`[scheduler] started ${resumed.length} run(s) that were waiting for a slot`);
  return result;
}
