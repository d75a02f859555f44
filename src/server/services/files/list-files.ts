import type { Prisma } from "@/generated/prisma/client";
import type { z } from "zod";
import type { ServiceDeps } from "@/server/deps";
import { containsPattern, escapeLike, readSql } from "@/server/db/read-sql";
import { notFound } from "@/server/domain/errors";
import { FILE_STATUSES, type FileView, type listFilesInput, type listFilesOutput } from "@/shared/contracts/files";
import { FILE_SQL_COLUMNS, fileViewFromSql } from "./file-view";

export function fileFilter(ingestionId: string, f: { status?: (typeof FILE_STATUSES)[number] | undefined; search?: string | undefined }) {
  return {
    ingestionId,
    ...(f.status ? { status: f.status } : {}),
    // LIKE wildcards in a search are literal characters (Prisma passes them through).
    ...(f.search ? { path: { contains: escapeLike(f.search), mode: "insensitive" as const } } : {}),
  } satisfies Prisma.ProcessedFileWhereInput;
}

/**
 * One page of an ingestion's file history, by path, with a count per status: two statements on
 * the driver, sent together. The page starts after the cursor file's path (unique in an
 * ingestion, so the page is a range of the (ingestionId, path) index, however deep) and belongs to
 * the tenant's ingestion in the statement itself; the counts are the triggers' (IngestionFileCount),
 * so neither grows with the history.
 */
export async function listFiles(
  deps: ServiceDeps,
  tenantId: string,
  input: z.infer<typeof listFilesInput>,
): Promise<z.infer<typeof listFilesOutput>> {
  const sql = readSql(deps.db);
  const [owned, rows] = await Promise.all([
    sql.query<{ status: FileView["status"] | null; files: number | null }>(
      `SELECT c.status::text AS status, c.files::float8 AS files
       FROM "Ingestion" i LEFT JOIN "IngestionFileCount" c ON c."ingestionId" = i.id
       WHERE i.id = $1 AND i."tenantId" = $2`,
      [input.ingestionId, tenantId],
    ),
    sql.query<Record<string, unknown>>(
      `SELECT ${FILE_SQL_COLUMNS}
       FROM "ProcessedFile" f
       WHERE f."ingestionId" = $1
         AND EXISTS (SELECT 1 FROM "Ingestion" i WHERE i.id = $1 AND i."tenantId" = $2)
         AND ($3::text IS NULL OR f.status = $3::"FileStatus")
         AND ($4::text IS NULL OR f.path ILIKE $4)
         AND ($5::text IS NULL OR f.path > (SELECT c.path FROM "ProcessedFile" c WHERE c.id = $5 AND c."ingestionId" = $1))
       ORDER BY f.path
       LIMIT $6`,
      [input.ingestionId, tenantId, input.status ?? null, input.search ? containsPattern(input.search) : null, input.cursor ?? null, input.limit + 1],
    ),
  ]);
  if (owned.length === 0) throw notFound("ingestion", input.ingestionId);
  const counts = Object.fromEntries(FILE_STATUSES.map((s) => [s, 0])) as Record<(typeof FILE_STATUSES)[number], number>;
  for (const c of owned) if (c.status !== null) counts[c.status] = c.files ?? 0;
  const page = rows.slice(0, input.limit).map(fileViewFromSql);
  return {
    items: page,
    nextCursor: rows.length > input.limit ? (page[page.length - 1]?.id ?? null) : null,
    counts,
  };
}
