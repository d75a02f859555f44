// The runs router's contract: starting, retrying and cancelling a run, listing runs and one run
// with each file's outcome and the schema versions it made.
import { z } from "zod";
import { RunMethod, RunStatus, RunTrigger } from "@/generated/prisma/enums";
import { runWarning } from "@/shared/run-warnings";
import { fileStatus } from "./files";
import { ingestionId } from "./ingestions";
import { runStarted, runStartedDirect, runStartedInngest } from "./run-started";

export const RUN_STATUSES = Object.values(RunStatus);

export const runId = z.string({ error: "Run id is required" }).min(1, "Run id is required").max(64, "Run id must be at most 64 characters");
export const byRunId = z.object({ id: runId });

export const triggerRunInput = z.object({ ingestionId });
export const triggerRunOutput = runStarted;

/** A new run of a FAILED or PARTIAL run's unfinished files, linked to it by retryOfRunId. */
const retried = { retryOfRunId: z.string(), filesToRetry: z.number().nullable() };
export const retryRunOutput = z.discriminatedUnion("method", [runStartedDirect.extend(retried), runStartedInngest.extend(retried)]);
export type RetryRunOutput = z.infer<typeof retryRunOutput>;

export const listRunsInput = z
  .object({
    ingestionId: ingestionId.optional(),
    since: z.coerce.date({ error: "Since must be a date" }).optional(),
    limit: z.number().int().min(1, "Limit must be 1–100").max(100, "Limit must be 1–100").default(20),
    cursor: z.string().max(64).nullish(),
  })
  .default({ limit: 20 });
export type ListRunsInput = z.infer<typeof listRunsInput>;

export const runView = z.object({
  id: z.string(),
  ingestionId: z.string(),
  ingestionName: z.string(),
  status: z.enum(RunStatus),
  trigger: z.enum(RunTrigger),
  method: z.enum(RunMethod),
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
  /**
   * What its discovery listed: the pages it asked of the source (LIST requests on S3; null before
   * it listed, and for a retry, which lists nothing) and the path an ORDERED listing started after
   * (null for a full listing).
   */
  listing: z.object({ requests: z.number().nullable(), startedAfter: z.string().nullable() }),
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

export const listRunsOutput = z.object({ items: z.array(runView), nextCursor: z.string().nullable() });
export type ListRunsOutput = z.infer<typeof listRunsOutput>;

export const fileOutcomeView = z.object({
  id: z.string(),
  path: z.string(),
  status: fileStatus,
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

export const runDetail = z.object({
  run: runView,
  files: z.array(fileOutcomeView),
  filesTotal: z.number(),
  schemaVersions: z.array(runSchemaVersionView),
});
export type RunDetail = z.infer<typeof runDetail>;
