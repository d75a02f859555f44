import type { Prisma } from "@/generated/prisma/client";
import type { z } from "zod";
import type { ServiceDeps } from "@/server/deps";
import { containsPattern, dateOf, epochMs, readSql } from "@/server/db/read-sql";
import { notFound } from "@/server/domain/errors";
import { FILE_STATUSES, type FileView, type listFilesInput, type listFilesOutput } from "@/shared/contracts/files";

export function fileFilter(ingestionId: string, f: { status?: (typeof FILE_STATUSES)[number] | undefined; search?: string | undefined }) {
  return {
    ingestionId,
    ...(f.status ? { status: f.status } : {}),
    // LIKE wildcards in a search are literal characters (Prisma passes them through).
    ...(f.search ? { path: { contains: f.search.replace(/[\\%_]/g, "\\$&"), mode: "insensitive" as const } } : {}),
  } satisfies Prisma.ProcessedFileWhereInput;
}

interface FileSqlRow {
  id: string;
  ingestionId: string;
  path: string;
  status: FileView["status"];
  size: number;
  etag: string | null;
  lastModified: number;
  rowCount: number | null;
  retryCount: number;
  error: string | null;
  failureKind: FileView["failureKind"];
  nextAttemptAt: number | null;
  runId: string | null;
  loadedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

const FILE_COLUMNS = `f.id, f."ingestionId", f.path, f.status::text AS status, f.size::float8 AS size, f.etag,
  ${epochMs('f."lastModified"')} AS "lastModified", f."rowCount"::float8 AS "rowCount", f."retryCount", f.error,
  f."failureKind"::text AS "failureKind", ${epochMs('f."nextAttemptAt"')} AS "nextAttemptAt", f."runId",
  ${epochMs('f."loadedAt"')} AS "loadedAt", ${epochMs('f."createdAt"')} AS "createdAt", ${epochMs('f."updatedAt"')} AS "updatedAt"`;

function toView(f: FileSqlRow): FileView {
  return {
    id: f.id,
    ingestionId: f.ingestionId,
    path: f.path,
    status: f.status,
    size: f.size,
    etag: f.etag,
    lastModified: new Date(f.lastModified),
    rowCount: f.rowCount,
    retryCount: f.retryCount,
    error: f.error,
    failureKind: f.failureKind,
    nextAttemptAt: dateOf(f.nextAttemptAt),
    runId: f.runId,
    loadedAt: dateOf(f.loadedAt),
    firstSeenAt: new Date(f.createdAt),
    updatedAt: new Date(f.updatedAt),
  };
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
    sql.query<FileSqlRow>(
      `SELECT ${FILE_COLUMNS}
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
  const page = rows.slice(0, input.limit);
  return {
    items: page.map(toView),
    nextCursor: rows.length > input.limit ? (page[page.length - 1]?.id ?? null) : null,
    counts,
  };
}
