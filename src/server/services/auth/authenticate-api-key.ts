import type { ServiceDeps } from "@/server/deps";
import type { Prisma } from "@/generated/prisma/client";
import { readSql, rowFromSql, sqlColumns, type ColumnKinds } from "@/server/db/read-sql";
import type { AuthContext } from "./auth-context";
import { hashSecret, looksLikeApiKey } from "./api-key-secret";

type KeyRow = Prisma.ApiKeyGetPayload<{ select: { id: true; tenantId: true; role: true; revokedAt: true; expiresAt: true; lastUsedAt: true } }>;
const KEY_COLUMNS: ColumnKinds<KeyRow, keyof KeyRow> = {
  id: "value",
  tenantId: "value",
  role: "value",
  revokedAt: "date",
  expiresAt: "date",
  lastUsedAt: "date",
};

/** Writing lastUsedAt on every request would turn each read into a write; once a minute is enough. */
const LAST_USED_GRANULARITY_MS = 60_000;

export async function authenticateApiKey(deps: ServiceDeps, key: string): Promise<AuthContext | null> {
  if (!looksLikeApiKey(key)) return null;
  // Every request of a service pays this: one statement on the driver (server/db/read-sql.ts).
  const [raw] = await readSql(deps.db).query<Record<string, unknown>>(`SELECT ${sqlColumns("k", KEY_COLUMNS)} FROM "ApiKey" k WHERE k.hash = $1`, [
    hashSecret(key),
  ]);
  const row = raw && (rowFromSql(raw, KEY_COLUMNS) as unknown as KeyRow);
  const now = deps.clock();
  if (!row || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
    await deps.db.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { tenantId: row.tenantId, apiKeyId: row.id, role: row.role, via: "api-key" };
}
