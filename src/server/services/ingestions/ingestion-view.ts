// What the API returns for an ingestion: the columns it selects and the shape it maps them to.
import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { EVOLUTION_MODES, formatSchema, INGESTION_STATUSES } from "@/server/domain/ingestion-input";
import { describeSchedule, nextFireTimes, SCHEDULE_FREQUENCIES } from "@/server/domain/schedule";

export const ingestionSelect = {
  id: true,
  name: true,
  description: true,
  status: true,
  tenantId: true,
  sourceType: true,
  connectionId: true,
  connection: { select: { id: true, name: true, type: true } },
  sourcePath: true,
  sourceUri: true,
  sourceGlob: true,
  sourceModifiedAfter: true,
  format: true,
  formatOptions: true,
  destinationSchema: true,
  destinationTable: true,
  partitionColumns: true,
  evolutionMode: true,
  schemaHints: true,
  scheduleFrequency: true,
  scheduleTime: true,
  scheduleWeekday: true,
  scheduleCron: true,
  scheduleTimezone: true,
  nextRunAt: true,
  maxFilesPerRun: true,
  maxBytesPerRun: true,
  alertRecipients: true,
  lastRunAt: true,
  lastRunStatus: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.IngestionSelect;

export type IngestionRow = Prisma.IngestionGetPayload<{ select: typeof ingestionSelect }>;

const RUN_STATUSES = ["QUEUED", "RUNNING", "SUCCEEDED", "PARTIAL", "NO_NEW_FILES", "FAILED", "CANCELLED"] as const;

export const ingestionView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  status: z.enum(INGESTION_STATUSES),
  source: z.object({
    type: z.enum(["S3", "LOCAL"]),
    /** The connection it reads through, and the path inside it ("" for its root). */
    connection: z.object({ id: z.string(), name: z.string(), type: z.enum(["S3", "LOCAL"]) }),
    path: z.string(),
    /** The location: the connection's directory or s3://bucket/prefix joined with the path. */
    uri: z.string(),
    glob: z.string().nullable(),
    modifiedAfter: z.date().nullable(),
  }),
  format: formatSchema,
  destination: z.object({ schema: z.string(), table: z.string(), partitionColumns: z.array(z.string()) }),
  schemaPolicy: z.object({ evolutionMode: z.enum(EVOLUTION_MODES), hints: z.record(z.string(), z.string()) }),
  schedule: z.object({
    frequency: z.enum(SCHEDULE_FREQUENCIES),
    time: z.string().nullable(),
    weekday: z.number().nullable(),
    cron: z.string().nullable(),
    timezone: z.string(),
    description: z.string(),
    nextRunAt: z.date().nullable(),
    /** The next fire times from now, in the schedule's zone; empty when manual-only or paused. */
    upcoming: z.array(z.date()),
  }),
  limits: z.object({ maxFilesPerRun: z.number().nullable(), maxBytesPerRun: z.number().nullable() }),
  alertRecipients: z.array(z.string()),
  lastRunAt: z.date().nullable(),
  lastRunStatus: z.enum(RUN_STATUSES).nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type IngestionView = z.infer<typeof ingestionView>;

/** How many upcoming fire times a view lists. */
export const UPCOMING_RUNS = 5;

/** `now` is the service clock's, for the upcoming fire times. */
export function toIngestionView(row: IngestionRow, now: Date): IngestionView {
  const schedule = {
    frequency: row.scheduleFrequency ?? ("NONE" as const),
    time: row.scheduleTime,
    weekday: row.scheduleWeekday,
    cron: row.scheduleCron,
    timezone: row.scheduleTimezone,
  };
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    source: {
      type: row.sourceType,
      connection: row.connection,
      path: row.sourcePath,
      uri: row.sourceUri,
      glob: row.sourceGlob,
      modifiedAfter: row.sourceModifiedAfter,
    },
    format: formatSchema.parse({ type: row.format, options: row.formatOptions }),
    destination: { schema: row.destinationSchema, table: row.destinationTable, partitionColumns: row.partitionColumns },
    schemaPolicy: {
      evolutionMode: row.evolutionMode,
      hints: z.record(z.string(), z.string()).parse(row.schemaHints ?? {}),
    },
    schedule: {
      ...schedule,
      description: describeSchedule(schedule),
      nextRunAt: row.nextRunAt,
      // Silent on a bad stored value: the scheduler warns when it computes the real next run.
      upcoming: row.status === "ACTIVE" ? nextFireTimes(schedule, now, UPCOMING_RUNS, () => {}) : [],
    },
    limits: {
      maxFilesPerRun: row.maxFilesPerRun,
      maxBytesPerRun: row.maxBytesPerRun === null ? null : Number(row.maxBytesPerRun),
    },
    alertRecipients: row.alertRecipients,
    lastRunAt: row.lastRunAt,
    lastRunStatus: row.lastRunStatus,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
