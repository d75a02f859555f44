// File state in the metadata database, changed in set-based statements (never one per file).
import { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/database";
import type { SourceObject } from "@/server/sources/source";
import { uuid7 } from "@/server/db/uuid7";

const CHUNK = 2_000;

/** Statuses of files not loaded yet that a run may still take (a retry, a reconcile). */
export const UNFINISHED = ["PENDING", "PROCESSING", "FAILED"] as const;

/**
 * Records listed objects the ingestion has not seen before: PENDING, or SKIPPED when empty.
 * Known paths are left alone (a file is loaded once, even if it is later overwritten).
 */
export async function registerFiles(
  db: Db,
  ingestionId: string,
  objects: SourceObject[],
): Promise<{ registered: number; skipped: number }> {
  let registered = 0;
  let skipped = 0;
  for (let i = 0; i < objects.length; i += CHUNK) {
    const chunk = objects.slice(i, i + CHUNK);
    const known = await db.processedFile.findMany({
      where: { ingestionId, path: { in: chunk.map((o) => o.path) } },
      select: { path: true, status: true, size: true, etag: true, lastModified: true },
    });
    const knownPaths = new Map(known.map((k) => [k.path, k]));
    const fresh = chunk.filter((o) => !knownPaths.has(o.path));
    const rewritten = chunk.filter((o) => {
      const k = knownPaths.get(o.path);
      return (
        k?.status === "PENDING" &&
        (k.size !== BigInt(o.size) || k.etag !== o.etag || k.lastModified.getTime() !== o.lastModified.getTime())
      );
    });
    if (rewritten.length > 0) await refreshPending(db, ingestionId, rewritten);
    if (fresh.length === 0) continue;
    // One INSERT per chunk (Prisma's createMany is several times slower here); ON CONFLICT
    // covers a concurrent discovery of the same files.
    const now = Date.now();
    const rows = fresh.map((o) => ({
      id: uuid7(now),
      path: o.path,
      size: o.size,
      etag: o.etag,
      // A timestamp column ignores the zone in its input: the UTC wall time is stored, as Prisma does.
      lastModified: o.lastModified.toISOString(),
      status: o.size === 0 ? "SKIPPED" : "PENDING",
      error: o.size === 0 ? "Empty file (0 bytes): nothing to load" : null,
    }));
    const count = await db.$executeRaw`
      INSERT INTO "ProcessedFile" (id, "ingestionId", path, size, etag, "lastModified", status, error, "createdAt", "updatedAt")
      SELECT v.id, ${ingestionId}, v.path, v.size, v.etag, v."lastModified", v.status::"FileStatus", v.error, ${new Date(now)}, ${new Date(now)}
      FROM json_to_recordset(${JSON.stringify(rows)}::json)
        AS v(id text, path text, size bigint, etag text, "lastModified" timestamp, status text, error text)
      ON CONFLICT ("ingestionId", path) DO NOTHING`;
    registered += count;
    skipped += fresh.filter((o) => o.size === 0).length;
  }
  return { registered, skipped };
}

/**
 * A known file waiting to load again (reprocessed, or given back) may have been rewritten: its
 * size, etag and modification time follow the listing, so the run reports what it loads.
 */
async function refreshPending(db: Db, ingestionId: string, objects: SourceObject[]): Promise<void> {
  const rows = JSON.stringify(
    objects.map((o) => ({ path: o.path, size: o.size, etag: o.etag, lastModified: o.lastModified.toISOString() })),
  );
  await db.$executeRaw`
    UPDATE "ProcessedFile" AS f
    SET size = v.size, etag = v.etag, "lastModified" = v."lastModified", "updatedAt" = ${new Date()},
        status = CASE WHEN v.size = 0 THEN 'SKIPPED'::"FileStatus" ELSE f.status END,
        error = CASE WHEN v.size = 0 THEN 'Empty file (0 bytes): nothing to load' ELSE f.error END
    FROM json_to_recordset(${rows}::json) AS v(path text, size bigint, etag text, "lastModified" timestamp)
    WHERE f."ingestionId" = ${ingestionId} AND f.path = v.path AND f.status = 'PENDING'`;
}

export interface ClaimedFile {
  id: string;
  path: string;
  size: number;
}

/**
 * Claims the files this run will load, oldest first, within the run's limits, in one statement:
 * new (PENDING) files, FAILED files under the retry limit, and PROCESSING files whose lease
 * expired (a crashed run's). The guard is repeated in the UPDATE, so when two claimers race
 * (PostgreSQL re-checks it on the locked row), each file goes to exactly one of them.
 */
export async function claimFiles(
  db: Db,
  args: {
    ingestionId: string;
    runId: string;
    now: Date;
    leaseMs: number;
    maxRetries: number;
    maxFiles: number | null;
    maxBytes: number | null;
    /**
     * A retry of this run takes only the files that run held or attempted, FAILED ones whatever
     * their retry count (the user asked for them).
     */
    onlyFilesOfRun?: string | null;
  },
): Promise<ClaimedFile[]> {
  const leaseUntil = new Date(args.now.getTime() + args.leaseMs);
  const of = args.onlyFilesOfRun ?? null;
  const maxRetries = of === null ? args.maxRetries : 2_147_483_647;
  const scope =
    of === null
      ? Prisma.empty
      : Prisma.sql`AND ("runId" = ${of} OR EXISTS (SELECT 1 FROM "FileAttempt" a WHERE a."fileId" = "ProcessedFile".id AND a."runId" = ${of}))`;
  const maxFiles = args.maxFiles ?? 2_147_483_647;
  const maxBytes = BigInt(args.maxBytes ?? Number.MAX_SAFE_INTEGER);
  const rows = await db.$queryRaw<{ id: string; path: string; size: bigint; lastModified: Date }[]>`
    WITH candidates AS (
      SELECT id,
             row_number() OVER w AS rn,
             sum(size) OVER w AS cum
      FROM "ProcessedFile"
      WHERE "ingestionId" = ${args.ingestionId}
        AND (status = 'PENDING'
             OR (status = 'FAILED' AND "retryCount" < ${maxRetries})
             OR (status = 'PROCESSING' AND "leaseExpiresAt" < ${args.now}))
        ${scope}
      WINDOW w AS (ORDER BY "lastModified", path ROWS UNBOUNDED PRECEDING)
    ), chosen AS (
      SELECT id FROM candidates WHERE rn <= ${maxFiles} AND (cum <= ${maxBytes} OR rn = 1)
    )
    UPDATE "ProcessedFile" AS f
    SET status = 'PROCESSING', "runId" = ${args.runId}, "leaseExpiresAt" = ${leaseUntil}, "updatedAt" = ${args.now}
    FROM chosen
    WHERE f.id = chosen.id
      AND (f.status = 'PENDING'
           OR (f.status = 'FAILED' AND f."retryCount" < ${maxRetries})
           OR (f.status = 'PROCESSING' AND f."leaseExpiresAt" < ${args.now}))
    RETURNING f.id, f.path, f.size, f."lastModified"`;
  // RETURNING has no order; batches load oldest first.
  return rows
    .sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime() || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((r) => ({ id: r.id, path: r.path, size: Number(r.size) }));
}

/** Renews this run's claims so a long run keeps its files. */
export async function renewLeases(db: Db, runId: string, until: Date): Promise<void> {
  await db.processedFile.updateMany({ where: { runId, status: "PROCESSING" }, data: { leaseExpiresAt: until } });
}

/** Attempt rows for a chunk of outcomes: ids made here, in time order. */
function attemptRows<T extends { id: string }>(chunk: T[], now: Date) {
  return JSON.stringify(chunk.map((f) => ({ ...f, attemptId: uuid7(now.getTime()) })));
}

export async function markLoaded(db: Db, runId: string, loaded: { id: string; rows: number }[], now: Date): Promise<void> {
  for (let i = 0; i < loaded.length; i += CHUNK) {
    const chunk = attemptRows(loaded.slice(i, i + CHUNK), now);
    await db.$transaction([
      db.$executeRaw`
        UPDATE "ProcessedFile" AS f
        SET status = 'SUCCESS', "rowCount" = v.rows, "runId" = ${runId}, error = NULL,
            "leaseExpiresAt" = NULL, "loadedAt" = ${now}, "updatedAt" = ${now}
        FROM json_to_recordset(${chunk}::json) AS v(id text, rows bigint)
        WHERE f.id = v.id`,
      db.$executeRaw`
        INSERT INTO "FileAttempt" (id, "fileId", "runId", outcome, "rowCount", "createdAt")
        SELECT v."attemptId", v.id, ${runId}, 'SUCCESS', v.rows, ${now}
        FROM json_to_recordset(${chunk}::json) AS v("attemptId" text, id text, rows bigint)`,
    ]);
  }
}

export async function markFailed(db: Db, runId: string, failed: { id: string; error: string }[], now: Date): Promise<void> {
  for (let i = 0; i < failed.length; i += CHUNK) {
    const chunk = attemptRows(failed.slice(i, i + CHUNK), now);
    await db.$transaction([
      db.$executeRaw`
        UPDATE "ProcessedFile" AS f
        SET status = 'FAILED', error = v.error, "retryCount" = f."retryCount" + 1, "runId" = ${runId},
            "leaseExpiresAt" = NULL, "updatedAt" = ${now}
        FROM json_to_recordset(${chunk}::json) AS v(id text, error text)
        WHERE f.id = v.id`,
      db.$executeRaw`
        INSERT INTO "FileAttempt" (id, "fileId", "runId", outcome, error, "createdAt")
        SELECT v."attemptId", v.id, ${runId}, 'FAILED', v.error, ${now}
        FROM json_to_recordset(${chunk}::json) AS v("attemptId" text, id text, error text)`,
    ]);
  }
}

/** Gives a failed run's unfinished claims back, so the next run takes them without waiting for the lease. */
export async function releaseClaims(db: Db, runId: string, now: Date): Promise<number> {
  const { count } = await db.processedFile.updateMany({
    where: { runId, status: "PROCESSING" },
    data: { status: "PENDING", leaseExpiresAt: null, updatedAt: now },
  });
  return count;
}
