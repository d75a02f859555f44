import type { z } from "zod";
import type { listIngestionsInput } from "@/shared/contracts/ingestions";
import type { ServiceDeps } from "@/server/deps";
import type { IngestionListItem } from "@/shared/contracts/ingestions";
import { containsPattern, readSql } from "@/server/db/read-sql";
import { INGESTION_SQL, ingestionRowFromSql, toIngestionListItem } from "./ingestion-view";

/**
 * A tenant's ingestions, newest first, a page at a time: one statement on the driver (the
 * connection joined in), a range of the (tenantId, id) or (tenantId, status, id) index.
 */
export async function listIngestions(
  deps: ServiceDeps,
  tenantId: string,
  input: z.infer<typeof listIngestionsInput>,
): Promise<{ items: IngestionListItem[]; nextCursor: string | null }> {
  const rows = await readSql(deps.db).query<Record<string, unknown>>(
    `${INGESTION_SQL}
     WHERE i."tenantId" = $1
       AND ($2::text IS NULL OR i.status = $2::"IngestionStatus")
       AND ($3::text IS NULL OR i.name ILIKE $3)
       -- Ids are UUIDv7, ordered by creation: the cursor is the last id seen, newest first.
       AND ($4::text IS NULL OR i.id < $4)
     ORDER BY i.id DESC
     LIMIT $5`,
    [tenantId, input.status ?? null, input.search ? containsPattern(input.search) : null, input.cursor ?? null, input.limit + 1],
  );
  const page = rows.slice(0, input.limit);
  return {
    items: page.map((raw) => toIngestionListItem(ingestionRowFromSql(raw))),
    nextCursor: rows.length > input.limit ? ((page[page.length - 1]?.id as string | undefined) ?? null) : null,
  };
}
