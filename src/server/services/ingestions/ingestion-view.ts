// An ingestion row as the API returns it (shared/contracts/ingestions.ts): the columns it selects
// and how it maps them.
import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { nextFireTimes } from "@/server/domain/schedule";
import { formatSchema, type IngestionView } from "@/shared/contracts/ingestions";
import { describeSchedule } from "@/shared/schedule";

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
  listingMode: true,
  fullListingEveryHours: true,
  listingHighWaterPath: true,
  lastFullListingAt: true,
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

/** How many upcoming fire times a view lists. */
export const UPCOMING_RUNS = 5;

/** Built once: a zod schema costs more to build than to run. */
const storedHints = z.record(z.string(), z.string());

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
    listing: {
      mode: row.listingMode,
      fullListingEveryHours: row.fullListingEveryHours,
      highWaterPath: row.listingHighWaterPath,
      lastFullListingAt: row.lastFullListingAt,
    },
    format: formatSchema.parse({ type: row.format, options: row.formatOptions }),
    destination: { schema: row.destinationSchema, table: row.destinationTable, partitionColumns: row.partitionColumns },
    schemaPolicy: {
      evolutionMode: row.evolutionMode,
      hints: storedHints.parse(row.schemaHints ?? {}),
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
