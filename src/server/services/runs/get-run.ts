import { notFound } from "@/server/domain/errors";
import type { ServiceDeps } from "@/server/deps";
import { runWarnings } from "@/shared/run-warnings";
import { queueStates } from "@/server/runs/run-slots";
import type { RunDetail } from "@/shared/contracts/runs";
import { readSql } from "@/server/db/read-sql";
import { RUN_SQL, runRowFromSql, toRunView } from "./run-view";

const FILES_SHOWN = 500;

/** Run $1 is the tenant $3's: every statement of getRun reads only the caller's tenant's rows. */
const OWNED = `EXISTS (SELECT 1 FROM "Run" o JOIN "Ingestion" oi ON oi.id = o."ingestionId" WHERE o.id = $1 AND oi."tenantId" = $3)`;

/**
 * A run and what it did to each file. Outcomes come from the run's attempts, so they stay as they
 * were after a later run (a retry) takes a file over; files it holds without an outcome yet
 * (in progress, or given back when it failed) follow.
 */
export async function getRun(deps: ServiceDeps, tenantId: string, id: string): Promise<RunDetail> {
  const sql = readSql(deps.db);
  // Four statements at once (the dashboard polls this every 1.5 s while a run is open), each
  // scoped by the caller's tenant; the run's own row decides NOT_FOUND.
  const [rows, attempts, held, versions] = await Promise.all([
    sql.query<Record<string, unknown>>(
      `${RUN_SQL} WHERE r.id = $1 AND i."tenantId" = $2`,
      [id, tenantId],
    ),
    // Failures first, whatever the enum order: they are what a reader of a run looks for.
    sql.query<ShownFile & { total: number }>(
      `SELECT f.id, f.path, a.outcome::text AS status, f.size::float8 AS size, a."rowCount"::float8 AS "rowCount", f."retryCount", a.error,
              (count(*) OVER ())::float8 AS total
       FROM "FileAttempt" a JOIN "ProcessedFile" f ON f.id = a."fileId"
       WHERE a."runId" = $1 AND ${OWNED}
       ORDER BY a.outcome <> 'FAILED', f.path
       LIMIT $2`,
      [id, FILES_SHOWN, tenantId],
    ),
    // Files it holds without an outcome of its own yet.
    sql.query<ShownFile & { total: number }>(
      `SELECT f.id, f.path, f.status::text AS status, f.size::float8 AS size, f."rowCount"::float8 AS "rowCount", f."retryCount", f.error,
              (count(*) OVER ())::float8 AS total
       FROM "ProcessedFile" f
       WHERE f."runId" = $1 AND f.status IN ('PENDING', 'PROCESSING')
         -- NOT IN, not NOT EXISTS: a hashed subplan of the run's attempts, linear whatever the
         -- planner believes of the table's size (as an anti join it became a nested loop over
         -- stale statistics mid-backfill: one poll took 33 s on PostgreSQL).
         AND f.id NOT IN (SELECT a."fileId" FROM "FileAttempt" a WHERE a."runId" = $1)
         AND ${OWNED}
       ORDER BY f.path
       LIMIT $2`,
      [id, FILES_SHOWN, tenantId],
    ),
    deps.db.schemaVersion.findMany({
      where: { runId: id, run: { ingestion: { tenantId } } },
      orderBy: { version: "asc" },
      select: { version: true, diff: true, warnings: true, createdAt: true },
    }),
  ]);
  const raw = rows[0];
  if (!raw) throw notFound("run", id);
  const row = runRowFromSql(raw);
  // count(*) OVER () counts every row the statement matched, before its LIMIT.
  const attemptsTotal = attempts[0]?.total ?? 0;
  const heldTotal = held[0]?.total ?? 0;
  const shown = [...attempts, ...held.slice(0, Math.max(0, FILES_SHOWN - attempts.length))];
  return {
    // Only a QUEUED run has a place in the queue: the others skip reading it.
    run: toRunView(row, row.status === "QUEUED" ? ((await queueStates(deps, [id])).get(id) ?? null) : null),
    files: shown.map(({ total: _total, ...f }) => f),
    filesTotal: attemptsTotal + heldTotal,
    schemaVersions: versions.map((v) => ({ ...v, warnings: runWarnings.parse(v.warnings) })),
  };
}

interface ShownFile {
  id: string;
  path: string;
  status: RunDetail["files"][number]["status"];
  size: number;
  rowCount: number | null;
  retryCount: number;
  error: string | null;
}
