// A file-history row as the API returns it (shared/contracts/files.ts): the columns it selects and
// how it maps them.
import type { Prisma } from "@/generated/prisma/client";
import type { FileView } from "@/shared/contracts/files";

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
