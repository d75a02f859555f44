// The files router's contract: an ingestion's file history (what was seen, loaded, failed), one
// file's attempts, and what reprocess and clear take and answer.
import { z } from "zod";
import { FailureKind, FileStatus, RunTrigger } from "@/generated/prisma/enums";
import { ingestionId } from "./ingestions";

export const FILE_STATUSES = Object.values(FileStatus);

export const fileId = z
  .string({ error: "File id is required" })
  .min(1, "File id is required")
  .max(64, "File id must be at most 64 characters");

export const fileStatus = z.enum(FileStatus, { error: `Status must be one of ${FILE_STATUSES.join(", ")}` });
const search = z.string().trim().max(200, "Search is at most 200 characters");

export const listFilesInput = z.object({
  ingestionId,
  status: fileStatus.optional(),
  /** Part of the path, case-insensitive. */
  search: search.optional(),
  limit: z.number().int().min(1, "Limit must be 1–200").max(200, "Limit must be 1–200").default(50),
  cursor: z.string().max(64).nullish(),
});
export type ListFilesInput = z.infer<typeof listFilesInput>;

export const getFileInput = z.object({ id: fileId });

export const reprocessFilesInput = z
  .object({
    ingestionId,
    /** Reprocess these files (one or more). */
    fileIds: z.array(fileId).min(1, "Name at least one file").max(1000, "At most 1,000 file ids at once; use a filter for more").optional(),
    /** Or every file matching this filter. */
    filter: z.object({ status: fileStatus.optional(), search: search.optional() }).optional(),
  })
  .refine((i) => (i.fileIds === undefined) !== (i.filter === undefined), {
    message: "Give either fileIds or a filter, not both and not neither",
  })
  .refine((i) => i.filter === undefined || i.filter.status !== undefined || (i.filter.search ?? "") !== "", {
    message: "A filter needs a status or a search; to reload every file use files.clear or a FULL refresh",
    path: ["filter"],
  });
export type ReprocessFilesInput = z.infer<typeof reprocessFilesInput>;

export const clearFilesInput = z.object({
  ingestionId,
  /** Required (true): clearing forgets every file and removes their rows from the table. */
  confirm: z.boolean().default(false),
});
export type ClearFilesInput = z.infer<typeof clearFilesInput>;

export const fileView = z.object({
  id: z.string(),
  ingestionId: z.string(),
  path: z.string(),
  status: fileStatus,
  size: z.number(),
  etag: z.string().nullable(),
  lastModified: z.date(),
  rowCount: z.number().nullable(),
  /** Failed attempts so far (a transient failure is retried by runs until the retry limit). */
  retryCount: z.number(),
  error: z.string().nullable(),
  /**
   * Why a FAILED file failed: TRANSIENT (storage, memory: runs retry it after `nextAttemptAt`) or
   * DATA (its content: runs retry it once the file changes); null otherwise.
   */
  failureKind: z.enum(FailureKind).nullable(),
  nextAttemptAt: z.date().nullable(),
  /** The run that last held the file. */
  runId: z.string().nullable(),
  loadedAt: z.date().nullable(),
  firstSeenAt: z.date(),
  updatedAt: z.date(),
});
export type FileView = z.infer<typeof fileView>;

export const fileStatusCounts = z.object({
  PENDING: z.number(),
  PROCESSING: z.number(),
  SUCCESS: z.number(),
  FAILED: z.number(),
  SKIPPED: z.number(),
  MISSING: z.number(),
}) satisfies z.ZodType<Record<FileStatus, number>>;

export const listFilesOutput = z.object({
  items: z.array(fileView),
  nextCursor: z.string().nullable(),
  /** Files per status over the whole history (ignoring the filter), for filter chips. */
  counts: fileStatusCounts,
});
export type ListFilesOutput = z.infer<typeof listFilesOutput>;

export const fileDetail = z.object({
  file: fileView,
  ingestionName: z.string(),
  attempts: z.array(
    z.object({
      runId: z.string(),
      trigger: z.enum(RunTrigger),
      outcome: fileStatus,
      rowCount: z.number().nullable(),
      error: z.string().nullable(),
      at: z.date(),
    }),
  ),
});
export type FileDetail = z.infer<typeof fileDetail>;

export const reprocessFilesOutput = z.object({ files: z.number(), rowsRemoved: z.number(), message: z.string() });
export type ReprocessFilesOutput = z.infer<typeof reprocessFilesOutput>;
export const clearFilesOutput = z.object({ filesForgotten: z.number(), rowsRemoved: z.number(), message: z.string() });
export type ClearFilesOutput = z.infer<typeof clearFilesOutput>;
