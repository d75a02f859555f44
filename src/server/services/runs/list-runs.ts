import type { Prisma } from "@/generated/prisma/client";
import type { ServiceDeps } from "@/server/deps";
import { findOwnedIngestion } from "../ingestions/ingestion-rules";
import { queueStates } from "@/server/runs/run-slots";
import type { ListRunsInput, ListRunsOutput } from "@/shared/contracts/runs";
import { runSelect, toRunView } from "./run-view";

export async function listRuns(
  deps: ServiceDeps,
  tenantId: string,
  input: ListRunsInput,
): Promise<ListRunsOutput> {
  if (input.ingestionId) await findOwnedIngestion(deps, tenantId, input.ingestionId);
  const where: Prisma.RunWhereInput = {
    ingestion: { tenantId },
    ...(input.ingestionId ? { ingestionId: input.ingestionId } : {}),
    ...(input.since ? { queuedAt: { gte: input.since } } : {}),
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
