// File state in the metadata database, changed in set-based statements (never one per file).
import { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/database";
import { retryBackoffMs, type FailureKindValue } from "@/server/domain/file-retry";
import type { SourceObject } from "@/server/sources/source";
import { analyzeTables } from "@/server/db/statistics";
import { uuid7 } from "@/server/db/uuid7";
import type { RunSettings } from "./run-deps";

const CHUNK = 2_000;

/** Statuses of files not loaded yet that a run may still take (a retry, a reconcile). */
export const UNFINISHED = ["PENDING", "PROCESSING", "FAILED"] as const;

/**
 * Records listed objects the ingestion has not seen before: PENDING, or SKIPPED when empty. Of
 * the known paths, a failed file whose listing changed and a missing one listed again go back to
 * PENDING and count as registered (see requeuedByListing); a PENDING one whose listing changed
 * takes the listing's size, ETag and time and keeps waiting; the others are left alone (a file is
 * loaded once, even if it is later overwritten). `registered` counts every new row (an empty one
 * too) and the non-empty requeued ones; `skipped`, the empty new and requeued ones.
 *
 * One statement per chunk joins the listed page against the history in the database: a listing
 * of a prefix with a million known files reads no known row into this process (issue 12: a
 * findMany of each chunk's paths, then an INSERT, took 12.9 s over 100,000 known files).
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
    const now = new Date();
    const rows = JSON.stringify(
      chunk.map((o) => ({
        id: uuid7(now.getTime()),
        path: o.path,
        size: o.size,
        etag: o.etag,
        // A timestamp column ignores the zone in its input: the UTC wall time is stored, as Prisma does.
        lastModified: o.lastModified.toISOString(),
      })),
    );
    // `known` is the statement's snapshot of the chunk's recorded files: it decides what counts,
    // as requeuedByListing and listingChanged (domain/file-retry.ts) say. The UPDATE repeats its
    // rule on the row itself, so a file another process loaded meanwhile is left alone; ON
    // CONFLICT covers a concurrent discovery inserting the same new files.
    const [r] = await db.$queryRaw<{ inserted: number; freshEmpty: number; requeued: number; requeuedEmpty: number }[]>`
      WITH v AS (
        SELECT * FROM json_to_recordset(${rows}::json)
          AS v(id text, path text, size bigint, etag text, "lastModified" timestamp)
      ), known AS (
        SELECT f.id, f.status AS was, v.path, v.size, v.etag, v."lastModified"
        FROM v JOIN "ProcessedFile" AS f ON f."ingestionId" = ${ingestionId} AND f.path = v.path
      ), refreshed AS (
        UPDATE "ProcessedFile" AS f
        SET size = k.size, etag = k.etag, "lastModified" = k."lastModified", "updatedAt" = ${now},
            status = CASE WHEN k.size = 0 THEN 'SKIPPED'::"FileStatus" ELSE 'PENDING'::"FileStatus" END,
            error = CASE WHEN k.size = 0 THEN 'Empty file (0 bytes): nothing to load' WHEN f.status = 'PENDING' THEN f.error END,
            "retryCount" = CASE WHEN f.status = 'PENDING' THEN f."retryCount" ELSE 0 END,
            "failureKind" = NULL, "nextAttemptAt" = NULL
        FROM known AS k
        WHERE f.id = k.id
          AND (f.status = 'MISSING'
            OR (f.status IN ('PENDING', 'FAILED')
              AND (f.size IS DISTINCT FROM k.size OR f.etag IS DISTINCT FROM k.etag OR f."lastModified" IS DISTINCT FROM k."lastModified")))
        RETURNING k.was, k.size
      ), inserted AS (
        INSERT INTO "ProcessedFile" (id, "ingestionId", path, size, etag, "lastModified", status, error, "createdAt", "updatedAt")
        SELECT v.id, ${ingestionId}, v.path, v.size, v.etag, v."lastModified",
               CASE WHEN v.size = 0 THEN 'SKIPPED'::"FileStatus" ELSE 'PENDING'::"FileStatus" END,
               CASE WHEN v.size = 0 THEN 'Empty file (0 bytes): nothing to load' END, ${now}, ${now}
        FROM v
        WHERE NOT EXISTS (SELECT 1 FROM known AS k WHERE k.path = v.path)
        ON CONFLICT ("ingestionId", path) DO NOTHING
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM inserted)::int AS inserted,
             (SELECT count(*) FROM v WHERE v.size = 0 AND NOT EXISTS (SELECT 1 FROM known AS k WHERE k.path = v.path))::int AS "freshEmpty",
             (SELECT count(*) FROM refreshed WHERE was <> 'PENDING' AND size > 0)::int AS requeued,
             (SELECT count(*) FROM refreshed WHERE was <> 'PENDING' AND size = 0)::int AS "requeuedEmpty"`;
    registered += (r?.inserted ?? 0) + (r?.requeued ?? 0);
    skipped += (r?.freshEmpty ?? 0) + (r?.requeuedEmpty ?? 0);
  }
  return { registered, skipped };
}

/**
 * The claim rule as SQL over a "ProcessedFile" row (unqualified columns): domain/file-selection.ts
 * `claimable` is the same rule in TypeScript, clause for clause (runs/claimable.int.test.ts runs
 * both on the same rows). `retry`: a retry of a run takes its FAILED files whatever their kind,
 * retry count and backoff.
 */
export function claimableSql(at: { now: Date; maxRetries: number; retry: boolean }): Prisma.Sql {
  return Prisma.sql`(status = 'PENDING'
    OR (status = 'FAILED' AND ${
      at.retry
        ? Prisma.sql`TRUE`
        : Prisma.sql`("failureKind" IS NULL OR "failureKind" = 'TRANSIENT') AND "retryCount" < ${at.maxRetries}
            AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" <= ${at.now})`
    })
    OR (status = 'PROCESSING' AND "leaseExpiresAt" < ${at.now}))`;
}

export interface ClaimedFile {
  id: string;
  path: string;
  size: number;
}

/**
 * Claims the files this run will load, oldest first, within the run's limits, in one statement:
 * new (PENDING) files, FAILED files whose failure was transient (or of no recorded kind) under
 * the retry limit once their backoff has passed, and PROCESSING files whose lease expired (a
 * crashed run's): claimableSql, within the run's limits as domain/file-selection.ts withinRunLimits
 * counts them. A failure of the data is never taken by itself (takenByLaterRuns). The guard is
 * repeated in the UPDATE, so when two claimers race (PostgreSQL re-checks it on the locked row),
 * each file goes to exactly one of them.
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
     * their kind, retry count and backoff (the user asked for them).
     */
    onlyFilesOfRun?: string | null;
  },
): Promise<ClaimedFile[]> {
  const leaseUntil = new Date(args.now.getTime() + args.leaseMs);
  const of = args.onlyFilesOfRun ?? null;
  // Unqualified columns: in the UPDATE below they are the file's (the CTE only has an id).
  const claimable = claimableSql({ now: args.now, maxRetries: args.maxRetries, retry: of !== null });
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
        AND ${claimable}
        ${scope}
      WINDOW w AS (ORDER BY "lastModified", path ROWS UNBOUNDED PRECEDING)
    ), chosen AS (
      SELECT id FROM candidates WHERE rn <= ${maxFiles} AND (cum <= ${maxBytes} OR rn = 1)
    )
    UPDATE "ProcessedFile" AS f
    SET status = 'PROCESSING', "runId" = ${args.runId}, "leaseExpiresAt" = ${leaseUntil}, "updatedAt" = ${args.now}
    FROM chosen
    WHERE f.id = chosen.id
      AND ${claimable}
    RETURNING f.id, f.path, f.size, f."lastModified"`;
  // RETURNING has no order; batches load oldest first.
  return rows
    .sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime() || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((r) => ({ id: r.id, path: r.path, size: Number(r.size) }));
}

/** From this many files claimed at once, the file tables' planner statistics are refreshed (refreshFileStatistics). */
export const REFRESH_STATISTICS_FROM_FILES = 1_000;

/**
 * Samples the file tables for the planner. PGlite runs no autovacuum, so without this its planner
 * keeps assuming the sizes of the day the tables were created: a run's files by the hundred
 * thousand were taken for a handful, and "its files without an attempt of it" (the run page's
 * held files) ran as a nested loop of the run's files × its attempts, slower with every batch
 * loaded (issue 12). PostgreSQL's autovacuum does the same a little later; here it costs one
 * sample of each table.
 */
export async function refreshFileStatistics(db: Db): Promise<void> {
  await analyzeTables(db, ["ProcessedFile", "FileAttempt"]);
}

/**
 * Renews this run's claims that expire before `renewBefore` to `until`, so a long run keeps its
 * files. Claims further from expiry are left alone: renewing every claim after every batch
 * rewrote all of a backfill's held files each time (50,000 files in batches of 5,000: 45,000
 * rows after the first batch, 0.85 s of its 2.3 s).
 */
export async function renewLeases(db: Db, runId: string, at: { until: Date; renewBefore: Date }): Promise<number> {
  const { count } = await db.processedFile.updateMany({
    where: { runId, status: "PROCESSING", OR: [{ leaseExpiresAt: null }, { leaseExpiresAt: { lt: at.renewBefore } }] },
    data: { leaseExpiresAt: at.until },
  });
  return count;
}

/** Attempt rows for a chunk of outcomes: ids made here, in time order. */
function attemptRows<T extends { id: string }>(chunk: T[], now: Date) {
  return JSON.stringify(chunk.map((f) => ({ ...f, attemptId: uuid7(now.getTime()) })));
}

/**
 * Marks loaded files SUCCESS on the run `runId`, with an attempt of that run each and that run's
 * counters (files, rows, bytes), in one statement per chunk: whatever point a process dies at, a
 * run's counters say exactly what its files and attempts say. `onlyUnfinished`: leave files that
 * are no longer unfinished alone (recording from the ledger, possibly twice). Returns how many changed.
 */
async function recordLoads(
  db: Db,
  runId: string,
  loaded: { id: string; rows: number }[],
  now: Date,
  onlyUnfinished: boolean,
): Promise<number> {
  const guard = onlyUnfinished ? Prisma.sql`AND f.status IN ('PENDING', 'PROCESSING', 'FAILED')` : Prisma.empty;
  let recorded = 0;
  for (let i = 0; i < loaded.length; i += CHUNK) {
    const chunk = attemptRows(loaded.slice(i, i + CHUNK).map((l) => ({ id: l.id, rows: l.rows })), now);
    const [r] = await db.$queryRaw<{ n: number }[]>`
      WITH v AS (
        SELECT * FROM json_to_recordset(${chunk}::json) AS v("attemptId" text, id text, rows bigint)
      ), done AS (
        UPDATE "ProcessedFile" AS f
        SET status = 'SUCCESS', "rowCount" = v.rows, "runId" = ${runId}, error = NULL, "failureKind" = NULL,
            "nextAttemptAt" = NULL, "leaseExpiresAt" = NULL, "loadedAt" = ${now}, "updatedAt" = ${now}
        FROM v
        WHERE f.id = v.id ${guard}
        RETURNING f.id, f.size, v.rows, v."attemptId"
      ), attempts AS (
        INSERT INTO "FileAttempt" (id, "fileId", "runId", outcome, "rowCount", "createdAt")
        SELECT done."attemptId", done.id, ${runId}, 'SUCCESS', done.rows, ${now} FROM done
      ), counted AS (
        UPDATE "Run"
        SET "filesLoaded" = "filesLoaded" + (SELECT count(*) FROM done)::int,
            "rowsLoaded" = "rowsLoaded" + (SELECT coalesce(sum(rows), 0) FROM done)::bigint,
            "bytesLoaded" = "bytesLoaded" + (SELECT coalesce(sum(size), 0) FROM done)::bigint
        WHERE id = ${runId}
      )
      SELECT count(*)::int AS n FROM done`;
    recorded += r?.n ?? 0;
  }
  return recorded;
}

/** Records a batch's loaded files on its run: SUCCESS, an attempt each, and the run's counters, together. */
export async function markLoaded(db: Db, runId: string, loaded: { id: string; rows: number }[], now: Date): Promise<void> {
  await recordLoads(db, runId, loaded, now, false);
}

/**
 * Records failed loads with why they failed, an attempt each and the run's failed count, together:
 * a TRANSIENT failure is not retried before its backoff has passed (growing with each failure); a
 * DATA failure waits for the file to change.
 */
export async function markFailed(
  db: Db,
  runId: string,
  failed: { id: string; error: string; kind: FailureKindValue }[],
  now: Date,
  backoff: Pick<RunSettings, "retryBackoffMs" | "retryBackoffMaxMs">,
): Promise<void> {
  for (let i = 0; i < failed.length; i += CHUNK) {
    const slice = failed.slice(i, i + CHUNK);
    // The file is this run's claim: its retry count does not change until the statement below.
    const failures = await db.processedFile.findMany({ where: { id: { in: slice.map((f) => f.id) } }, select: { id: true, retryCount: true } });
    const counts = new Map(failures.map((f) => [f.id, f.retryCount]));
    const chunk = attemptRows(
      slice.map((f) => ({
        id: f.id,
        error: f.error,
        kind: f.kind,
        // The timestamp column takes the UTC wall time of the ISO string (as registerFiles stores lastModified).
        nextAttemptAt:
          f.kind === "TRANSIENT" ? new Date(now.getTime() + retryBackoffMs((counts.get(f.id) ?? 0) + 1, backoff)).toISOString() : null,
      })),
      now,
    );
    await db.$executeRaw`
      WITH v AS (
        SELECT * FROM json_to_recordset(${chunk}::json)
          AS v("attemptId" text, id text, error text, kind text, "nextAttemptAt" timestamp)
      ), done AS (
        UPDATE "ProcessedFile" AS f
        SET status = 'FAILED', error = v.error, "failureKind" = v.kind::"FailureKind", "nextAttemptAt" = v."nextAttemptAt",
            "retryCount" = f."retryCount" + 1, "runId" = ${runId}, "leaseExpiresAt" = NULL, "updatedAt" = ${now}
        FROM v
        WHERE f.id = v.id
        RETURNING f.id, v.error, v."attemptId"
      ), attempts AS (
        INSERT INTO "FileAttempt" (id, "fileId", "runId", outcome, error, "createdAt")
        SELECT done."attemptId", done.id, ${runId}, 'FAILED', done.error, ${now} FROM done
      )
      UPDATE "Run" SET "filesFailed" = "filesFailed" + (SELECT count(*) FROM done)::int WHERE id = ${runId}`;
  }
}

/**
 * Files that vanished from the source between discovery and load: MISSING after this one attempt
 * (neither loaded nor failed: the run counts them as skipped, in the same statement), until a
 * listing shows them again.
 */
export async function markMissing(db: Db, runId: string, missing: { id: string; error: string }[], now: Date): Promise<void> {
  for (let i = 0; i < missing.length; i += CHUNK) {
    const chunk = attemptRows(missing.slice(i, i + CHUNK).map((m) => ({ id: m.id, error: m.error })), now);
    await db.$executeRaw`
      WITH v AS (
        SELECT * FROM json_to_recordset(${chunk}::json) AS v("attemptId" text, id text, error text)
      ), done AS (
        UPDATE "ProcessedFile" AS f
        SET status = 'MISSING', error = v.error, "failureKind" = NULL, "nextAttemptAt" = NULL, "runId" = ${runId},
            "leaseExpiresAt" = NULL, "updatedAt" = ${now}
        FROM v
        WHERE f.id = v.id
        RETURNING f.id, v.error, v."attemptId"
      ), attempts AS (
        INSERT INTO "FileAttempt" (id, "fileId", "runId", outcome, error, "createdAt")
        SELECT done."attemptId", done.id, ${runId}, 'MISSING', done.error, ${now} FROM done
      )
      UPDATE "Run" SET "filesSkipped" = "filesSkipped" + (SELECT count(*) FROM done)::int WHERE id = ${runId}`;
  }
}

/**
 * Records files the warehouse committed (its ledger says so) but the metadata never did, on the
 * run `runId` that loaded them: SUCCESS with the ledger's row counts, an attempt of that run, and
 * that run's counters, in one statement. Only files still unfinished change, so recording the
 * same files twice (two processes expiring one dead run) counts them once. Returns how many changed.
 */
export async function markLoadedFromLedger(db: Db, runId: string, loaded: { id: string; rows: number }[], now: Date): Promise<number> {
  return recordLoads(db, runId, loaded, now, true);
}

/** Gives a failed run's unfinished claims back, so the next run takes them without waiting for the lease. */
export async function releaseClaims(db: Db, runId: string, now: Date): Promise<number> {
  const { count } = await db.processedFile.updateMany({
    where: { runId, status: "PROCESSING" },
    data: { status: "PENDING", failureKind: null, nextAttemptAt: null, leaseExpiresAt: null, updatedAt: now },
  });
  return count;
}
