import type { Prisma } from "@/generated/prisma/client";
import type { z } from "zod";
import type { listIngestionsInput } from "@/shared/contracts/ingestions";
import type { ServiceDeps } from "@/server/deps";
import type { IngestionView } from "@/shared/contracts/ingestions";
import { ingestionSelect, toIngestionView } from "./ingestion-view";

export async function listIngestions(
  deps: ServiceDeps,
  tenantId: string,
  input: z.infer<typeof listIngestionsInput>,
): Promise<{ items: IngestionView[]; nextCursor: string | null }> {
  const where: Prisma.IngestionWhereInput = {
    tenantId,
    ...(input.status ? { status: input.status } : {}),
    // LIKE wildcards in a search are literal characters (Prisma passes them through).
    ...(input.search ? { name: { contains: input.search.replace(/[\\%_]/g, "\\$&"), mode: "insensitive" } } : {}),
    // Ids are UUIDv7, ordered by creation: the cursor is the last id seen, newest first.
    ...(input.cursor ? { id: { lt: input.cursor } } : {}),
  };
  const rows = await deps.db.ingestion.findMany({
    where,
    orderBy: { id: "desc" },
    take: input.limit + 1,
    select: ingestionSelect,
  });
  const page = rows.slice(0, input.limit);
  const now = deps.clock();
  return {
    items: page.map((row) => toIngestionView(row, now)),
    nextCursor: rows.length > input.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}
