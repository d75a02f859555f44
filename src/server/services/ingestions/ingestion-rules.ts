// Checks and column mappings shared by the ingestion services.
import type { Prisma } from "@/generated/prisma/client";
import { DomainError, notFound } from "@/server/domain/errors";
import type { CreateIngestionInput } from "@/shared/contracts/ingestions";
import { nextRunAt } from "@/server/domain/schedule";
import type { Schedule } from "@/shared/schedule";
import { SourceError } from "@/server/sources/source";
import { connectionUri } from "@/server/sources/source-factory";
import { findStoredConnection, sourceErrorField } from "../connections/connection-rules";
import type { ServiceDeps } from "@/server/deps";
import { activeWork, holderOf } from "@/server/runs/run-record";
import { readSql } from "@/server/db/read-sql";
import { INGESTION_SQL, ingestionRowFromSql, type IngestionRow } from "./ingestion-view";

export async function findOwnedIngestion(deps: ServiceDeps, tenantId: string, id: string): Promise<IngestionRow> {
  // Scoped by tenant in the query itself: another tenant's ingestion is indistinguishable from none.
  // On the driver: every ingestions.get and most writes start here (server/db/read-sql.ts).
  const [raw] = await readSql(deps.db).query<Record<string, unknown>>(
    `${INGESTION_SQL} WHERE i.id = $1 AND i."tenantId" = $2`,
    [id, tenantId],
  );
  if (!raw) throw notFound("ingestion", id);
  return ingestionRowFromSql(raw);
}

export async function assertActiveRunFree(deps: ServiceDeps, ingestion: { id: string; name: string }, doing: string) {
  const active = await holderOf(deps, ingestion.id);
  if (active) {
    throw new DomainError("CONFLICT", `Cannot ${doing} ingestion '${ingestion.name}' while ${activeWork(active)}; wait for it to finish`);
  }
}

/** Refuses a name or destination table another ingestion of the tenant already uses. */
export async function assertUnique(
  deps: ServiceDeps,
  tenantId: string,
  wanted: { name?: string; schema?: string; table?: string },
  exceptId?: string,
): Promise<void> {
  const or: Prisma.IngestionWhereInput[] = [];
  if (wanted.name !== undefined) or.push({ name: wanted.name });
  if (wanted.schema !== undefined && wanted.table !== undefined) {
    or.push({ destinationSchema: wanted.schema, destinationTable: wanted.table });
  }
  if (or.length === 0) return;
  const clashes = await deps.db.ingestion.findMany({
    where: { tenantId, OR: or, ...(exceptId ? { id: { not: exceptId } } : {}) },
    select: { name: true, destinationSchema: true, destinationTable: true },
    take: 2,
  });
  for (const c of clashes) {
    if (wanted.name !== undefined && c.name === wanted.name) {
      throw new DomainError("CONFLICT", `An ingestion named '${wanted.name}' already exists`, "name");
    }
  }
  const c = clashes[0];
  if (c) {
    throw new DomainError(
      "CONFLICT",
      `Destination ${wanted.schema}.${wanted.table} is already loaded by ingestion '${c.name}'; choose another table`,
      "destination.table",
    );
  }
}

/** Runs `write`; a unique violation that slipped past `assertUnique` (a race) becomes the same CONFLICT. */
export async function withUniqueGuard<T>(recheck: () => Promise<void>, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if ((error as { code?: string }).code === "P2002") {
      await recheck();
      throw new DomainError("CONFLICT", "Another ingestion with this name or destination was created at the same time");
    }
    throw error;
  }
}

/** Where an ingestion reads, as its columns: the tenant's connection, the path inside it, the location. */
export interface IngestionSourceColumns {
  connectionId: string;
  sourcePath: string;
  sourceUri: string;
  sourceType: "S3" | "LOCAL";
}

/**
 * The tenant's connection named by `source`, checked against the tenant's grants now (and again
 * at every preview and run): refused when not granted. Missing credentials do not block the
 * ingestion (the run says what to set).
 */
export async function resolveIngestionSource(
  deps: ServiceDeps,
  tenantId: string,
  source: { connection: string; path: string },
): Promise<IngestionSourceColumns> {
  const connection = await findStoredConnection(deps, tenantId, source.connection);
  try {
    await deps.engine.sources({ tenantId, connectionId: connection.id, sourcePath: source.path });
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    if (["NOT_GRANTED", "OUTSIDE_ROOTS", "ENDPOINT_REFUSED"].includes(error.code)) {
      throw new DomainError("BAD_REQUEST", error.message, sourceErrorField(error));
    }
  }
  return {
    connectionId: connection.id,
    sourcePath: source.path,
    sourceUri: connectionUri(connection, source.path),
    sourceType: connection.type,
  };
}

export function scheduleColumns(schedule: CreateIngestionInput["schedule"]) {
  return {
    scheduleFrequency: schedule.frequency === "NONE" ? null : schedule.frequency,
    scheduleTime: schedule.time,
    scheduleWeekday: schedule.weekday,
    scheduleCron: schedule.cron,
    scheduleTimezone: schedule.timezone,
  };
}

/** The next scheduled run for an ACTIVE ingestion, from now; paused ones have none. */
export function nextRunFor(deps: ServiceDeps, status: "ACTIVE" | "PAUSED", schedule: Schedule): Date | null {
  return status === "ACTIVE" ? nextRunAt(schedule, deps.clock(), (m) => deps.log.warn(m)) : null;
}
