import type { ServiceDeps } from "@/server/deps";
import { readSql } from "@/server/db/read-sql";
import { notFound } from "@/server/domain/errors";
import { queueStates } from "@/server/runs/run-slots";
import type { ListRunsInput, ListRunsOutput } from "@/shared/contracts/runs";
import { RUN_SQL, runRowFromSql, toRunView } from "./run-view";

/**
 * A tenant's runs (or one ingestion's), newest first, a page at a time: one statement on the
 * driver, and beside it, for one ingestion, the check that the tenant owns it (another tenant's
 * is NOT_FOUND, not an empty page).
 */
export async function listRuns(
  deps: ServiceDeps,
  tenantId: string,
  input: ListRunsInput,
): Promise<ListRunsOutput> {
  const sql = readSql(deps.db);
  const [owned, raw] = await Promise.all([
    input.ingestionId
      ? sql.query(`SELECT 1 FROM "Ingestion" WHERE id = $1 AND "tenantId" = $2`, [input.ingestionId, tenantId])
      : Promise.resolve([{}]),
    sql.query<Record<string, unknown>>(
      `${RUN_SQL}
       WHERE i."tenantId" = $1
         AND ($2::text IS NULL OR r."ingestionId" = $2)
         AND ($3::timestamp IS NULL OR r."queuedAt" >= $3::timestamp)
         -- Ids are UUIDv7: newest first, the cursor is the last id seen.
         AND ($4::text IS NULL OR r.id < $4)
       ORDER BY r.id DESC
       LIMIT $5`,
      // A timestamp column holds the UTC wall time: the bound is given as such.
      [tenantId, input.ingestionId ?? null, input.since ? input.since.toISOString().replace("Z", "") : null, input.cursor ?? null, input.limit + 1],
    ),
  ]);
  if (owned.length === 0) throw notFound("ingestion", input.ingestionId ?? "");
  const rows = raw.map(runRowFromSql);
  const page = rows.slice(0, input.limit);
  const queue = await queueStates(
    deps,
    page.filter((r) => r.status === "QUEUED").map((r) => r.id),
  );
  return {
    items: page.map((r) => toRunView(r, queue.get(r.id) ?? null)),
    nextCursor: rows.length > input.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}
