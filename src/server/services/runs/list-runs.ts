import type { Prisma } from "@/generated/prisma/client";
import type { ServiceDeps } from "../deps";
import { MAINTENANCE_STEP } from "../ingestions/ingestion-guard";
import { findOwnedIngestion } from "../ingestions/ingestion-rules";
import { queueStates } from "@/server/runs/run-slots";
import { runSelect, toRunView, type RunView } from "./run-view";

export async function listRuns(
  deps: ServiceDeps,
  tenantId: string,
  input: { ingestionId?: string | undefined; since?: Date | undefined; limit: number; cursor?: string | null | undefined },
): Promise<{ items: RunView[]; nextCursor: string | null }> {
  if (input.ingestionId) await findOwnedIngestion(deps, tenantId, input.ingestionId);
  const where: Prisma.RunWhereInput = {
    ingestion: { tenantId },
    ...(input.ingestionId ? { ingestionId: input.ingestionId } : {}),
    ...(input.since ? { queuedAt: { gte: input.since } } : {}),
    // A maintenance guard (refresh, reprocess, clear, delete) holds the run slot but is no run.
    OR: [{ currentStep: null }, { NOT: { currentStep: { startsWith: MAINTENANCE_STEP } } }],
    // Ids are UUIDv7: newest first, the cursor is the last id seen.
    ...(input.cursor ? { id: { lt: input.cursor } } : {}),
  };
  const rows = await deps.db.run.findMany({ where, orderBy: { id: "desc" }, take: input.limit + 1, select: runSelect });
  const page = rows.slice(0, input.limit);
  const queue = await queueStates(
    deps,
    page.filter((r) => r.status === "QUEUED").map((r) => r.id),
  );
  return {
    items: page.map((r) => toRunView(r, queue.get(r.id) ?? null)),
    nextCursor: rows.length > input.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}
