// What the API returns for a run.
import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { runWarning, runWarnings } from "@/server/domain/run-warnings";
import type { QueueState } from "@/server/runs/run-slots";

export const RUN_STATUSES = ["QUEUED", "RUNNING", "SUCCEEDED", "PARTIAL", "NO_NEW_FILES", "FAILED", "CANCELLED"] as const;

export const runSelect = {
  id: true,
  ingestionId: true,
  status: true,
  trigger: true,
  method: true,
  eventId: true,
  retryOfRunId: true,
  currentStep: true,
  filesDiscovered: true,
  filesLoaded: true,
  filesFailed: true,
  filesSkipped: true,
  rowsLoaded: true,
  bytesLoaded: true,
  durationMs: true,
  estimatedDurationMs: true,
  estimatedBytes: true,
  error: true,
  warnings: true,
  cancelRequestedAt: true,
  queuedAt: true,
  startedAt: true,
  finishedAt: true,
  ingestion: { select: { name: true } },
} satisfies Prisma.RunSelect;

type RunRow = Prisma.RunGetPayload<{ select: typeof runSelect }>;

export const runView = z.object({
  id: z.string(),
  ingestionId: z.string(),
  ingestionName: z.string(),
  status: z.enum(RUN_STATUSES),
  trigger: z.enum(["MANUAL", "SCHEDULE", "RETRY", "REFRESH"]),
  method: z.enum(["DIRECT", "INNGEST"]),
  eventId: z.string().nullable(),
  retryOfRunId: z.string().nullable(),
  currentStep: z.string().nullable(),
  metrics: z.object({
    filesDiscovered: z.number(),
    filesLoaded: z.number(),
    filesFailed: z.number(),
    filesSkipped: z.number(),
    rowsLoaded: z.number(),
    bytesLoaded: z.number(),
    durationMs: z.number().nullable(),
  }),
  /** Recorded when the run claims its files: bytes claimed and the duration the load rate predicts. */
  estimate: z.object({ durationMs: z.number(), bytes: z.number() }).nullable(),
  error: z.string().nullable(),
  /** What the run noticed about the data without failing (e.g. a column that became JSON for one odd value). */
  warnings: z.array(runWarning),
  /** Set once runs.cancel asked a running run to stop (it does at its next batch boundary). */
  cancelRequestedAt: z.date().nullable(),
  /** A QUEUED run waiting for a slot: its place among all waiting runs (1 starts next) and why it waits. */
  queue: z.object({ position: z.number(), reason: z.string() }).nullable(),
  queuedAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
});
export type RunView = z.infer<typeof runView>;

export function toRunView(r: RunRow, queue: QueueState | null = null): RunView {
  return {
    id: r.id,
    ingestionId: r.ingestionId,
    ingestionName: r.ingestion.name,
    status: r.status,
    trigger: r.trigger,
    method: r.method,
    eventId: r.eventId,
    retryOfRunId: r.retryOfRunId,
    currentStep: r.currentStep,
    metrics: {
      filesDiscovered: r.filesDiscovered,
      filesLoaded: r.filesLoaded,
      filesFailed: r.filesFailed,
      filesSkipped: r.filesSkipped,
      rowsLoaded: Number(r.rowsLoaded),
      bytesLoaded: Number(r.bytesLoaded),
      durationMs: r.durationMs,
    },
    estimate:
      r.estimatedDurationMs === null || r.estimatedBytes === null
        ? null
        : { durationMs: r.estimatedDurationMs, bytes: Number(r.estimatedBytes) },
    error: r.error,
    warnings: runWarnings.parse(r.warnings),
    cancelRequestedAt: r.cancelRequestedAt,
    queue,
    queuedAt: r.queuedAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  };
}

export const FILE_STATUSES = ["PENDING", "PROCESSING", "SUCCESS", "FAILED", "SKIPPED", "MISSING"] as const;

export const fileOutcomeView = z.object({
  id: z.string(),
  path: z.string(),
  status: z.enum(FILE_STATUSES),
  size: z.number(),
  rowCount: z.number().nullable(),
  retryCount: z.number(),
  error: z.string().nullable(),
});

/** A schema version a run made: its diff, and the warnings about the columns it created. */
export const runSchemaVersionView = z.object({
  version: z.number(),
  diff: z.unknown(),
  warnings: z.array(runWarning),
  createdAt: z.date(),
});
