// A file-history row as the API returns it (shared/contracts/files.ts): the columns it selects and
// how it maps them.
import type { Prisma } from "@/generated/prisma/client";
import type { FileView } from "@/shared/contracts/files";
import { rowFromSql, sqlColumns, type ColumnKinds } from "@/server/db/read-sql";

export const fileSelect = {
  id: true,
  ingestionId: true,
  path: true,
  status: true,
  size: true,
  etag: true,
  lastModified: true,
  rowCount: true,
  retryCount: true,
  error: true,
  failureKind: true,
  nextAttemptAt: true,
  runId: true,
  loadedAt: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.ProcessedFileSelect;

type FileRow = Prisma.ProcessedFileGetPayload<{ select: typeof fileSelect }>;

export function toFileView(f: FileRow): FileView {
  return {
    id: f.id,
    ingestionId: f.ingestionId,
    path: f.path,
    status: f.status,
    size: Number(f.size),
    etag: f.etag,
    lastModified: f.lastModified,
    rowCount: f.rowCount === null ? null : Number(f.rowCount),
    retryCount: f.retryCount,
    error: f.error,
    failureKind: f.failureKind,
    nextAttemptAt: f.nextAttemptAt,
    runId: f.runId,
    loadedAt: f.loadedAt,
    firstSeenAt: f.createdAt,
    updatedAt: f.updatedAt,
  };
}

// ── The same rows on the driver (files.list; see server/db/read-sql.ts) ──────────────────────

const FILE_COLUMNS: ColumnKinds<FileRow, keyof typeof fileSelect> = {
  id: "value",
  ingestionId: "value",
  path: "value",
  status: "value",
  size: "bigint",
  etag: "value",
  lastModified: "date",
  rowCount: "bigint",
  retryCount: "value",
  error: "value",
  failureKind: "value",
  nextAttemptAt: "date",
  runId: "value",
  loadedAt: "date",
  createdAt: "date",
  updatedAt: "date",
};

/** The select list of `fileSelect` over "ProcessedFile" f, JSON-safe. */
export const FILE_SQL_COLUMNS = sqlColumns("f", FILE_COLUMNS);

/** A row of FILE_SQL_COLUMNS as its view. */
export function fileViewFromSql(raw: Record<string, unknown>): FileView {
  return toFileView(rowFromSql(raw, FILE_COLUMNS) as unknown as FileRow);
}
