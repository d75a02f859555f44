import type { Prisma } from "@/generated/prisma/client";
import type { z } from "zod";
import type { ServiceDeps } from "@/server/deps";
import { findOwnedIngestion } from "../ingestions/ingestion-rules";
import { FILE_STATUSES, type listFilesInput, type listFilesOutput } from "@/shared/contracts/files";
import { fileSelect, toFileView } from "./file-view";

export function fileFilter(ingestionId: string, f: { status?: (typeof FILE_STATUSES)[number] | undefined; search?: string | undefined }) {
  return {
    ingestionId,
    ...(f.status ? { status: f.status } : {}),
    // LIKE wildcards in a search are literal characters (Prisma passes them through).
    ...(f.search ? { path: { contains: f.search.replace(/[\\%_]/g, "\\$&"), mode: "insensitive" as const } } : {}),
  } satisfies Prisma.ProcessedFileWhereInput;
}

/** One page of an ingestion's file history, by path, with a count per status. */
export async function listFiles(
  deps: ServiceDeps,
  tenantId: string,
  input: z.infer<typeof listFilesInput>,
): Promise<z.infer<typeof listFilesOutput>> {
  await findOwnedIngestion(deps, tenantId, input.ingestionId);
  const rows = await deps.db.processedFile.findMany({
    where: fileFilter(input.ingestionId, input),
    orderBy: [{ path: "asc" }, { id: "asc" }],
    take: input.limit + 1,
    ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
    select: fileSelect,
  });
  const grouped = await deps.db.processedFile.groupBy({
    by: ["status"],
    where: { ingestionId: input.ingestionId },
    _count: { _all: true },
  });
  const counts = Object.fromEntries(FILE_STATUSES.map((s) => [s, 0])) as Record<(typeof FILE_STATUSES)[number], number>;
  for (const g of grouped) counts[g.status] = g._count._all;
  const page = rows.slice(0, input.limit);
  return {
    items: page.map(toFileView),
    nextCursor: rows.length > input.limit ? (page[page.length - 1]?.id ?? null) : null,
    counts,
  };
}
