// An ingestion row as the API returns it (shared/contracts/ingestions.ts): the columns it selects
// and how it maps them.
import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { nextFireTimes } from "@/server/domain/schedule";
import { formatSchema, type IngestionListItem, type IngestionView } from "@/shared/contracts/ingestions";
import { describeSchedule } from "@/shared/schedule";
import { rowFromSql, sqlColumns, type ColumnKinds } from "@/server/db/read-sql";

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

/** The list's item: the view without the upcoming fire times. */
export function toIngestionListItem(row: IngestionRow): IngestionListItem {
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

/** `now` is the service clock's, for the upcoming fire times. */
export function toIngestionView(row: IngestionRow, now: Date): IngestionView {
  const item = toIngestionListItem(row);
  const schedule = { frequency: item.schedule.frequency, time: row.scheduleTime, weekday: row.scheduleWeekday, cron: row.scheduleCron, timezone: row.scheduleTimezone };
  return {
    ...item,
    schedule: {
      ...item.schedule,
      // Silent on a bad stored value: the scheduler warns when it computes the real next run.
      upcoming: row.status === "ACTIVE" ? nextFireTimes(schedule, now, UPCOMING_RUNS, () => {}) : [],
    },
  };
}

// ── The same rows on the driver (the list's hot path; see server/db/read-sql.ts) ─────────────

type IngestionScalar = Exclude<keyof typeof ingestionSelect, "connection">;

const INGESTION_COLUMNS: ColumnKinds<IngestionRow, IngestionScalar> = {
  id: "value",
  name: "value",
  description: "value",
  status: "value",
  tenantId: "value",
  sourceType: "value",
  connectionId: "value",
  sourcePath: "value",
  sourceUri: "value",
  sourceGlob: "value",
  sourceModifiedAfter: "date",
  listingMode: "value",
  fullListingEveryHours: "value",
  listingHighWaterPath: "value",
  lastFullListingAt: "date",
  format: "value",
  formatOptions: "value",
  destinationSchema: "value",
  destinationTable: "value",
  partitionColumns: "value",
  evolutionMode: "value",
  schemaHints: "value",
  scheduleFrequency: "value",
  scheduleTime: "value",
  scheduleWeekday: "value",
  scheduleCron: "value",
  scheduleTimezone: "value",
  nextRunAt: "date",
  maxFilesPerRun: "value",
  maxBytesPerRun: "bigint",
  alertRecipients: "value",
  lastRunAt: "date",
  lastRunStatus: "value",
  createdAt: "date",
  updatedAt: "date",
};

/**
 * `ingestionSelect` as SQL, JSON-safe: ingestions ("Ingestion" i) with their connection
 * ("Connection" c); callers add WHERE (scoped by i."tenantId"), ORDER BY and LIMIT.
 */
export const INGESTION_SQL = `SELECT ${sqlColumns("i", INGESTION_COLUMNS)}, c.id AS "connection.id", c.name AS "connection.name", c.type::text AS "connection.type"
  FROM "Ingestion" i JOIN "Connection" c ON c.id = i."connectionId"`;

/** A row of INGESTION_SQL as Prisma would have returned it for `ingestionSelect`. */
export function ingestionRowFromSql(raw: Record<string, unknown>): IngestionRow {
  const row = rowFromSql(raw, INGESTION_COLUMNS);
  row.connection = { id: raw["connection.id"], name: raw["connection.name"], type: raw["connection.type"] };
  return row as unknown as IngestionRow;
}
