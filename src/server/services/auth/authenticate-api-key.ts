import type { ServiceDeps } from "@/server/deps";
import { dateOf, epochMs, readSql } from "@/server/db/read-sql";
import type { AuthContext } from "./auth-context";
import { hashSecret, looksLikeApiKey } from "./api-key-secret";

/** Writing lastUsedAt on every request would turn each read into a write; once a minute is enough. */
const LAST_USED_GRANULARITY_MS = 60_000;

export async function authenticateApiKey(deps: ServiceDeps, key: string): Promise<AuthContext | null> {
  if (!looksLikeApiKey(key)) return null;
  // Every request of a service pays this: one statement on the driver (server/db/read-sql.ts).
  const [found] = await readSql(deps.db).query<{ id: string; tenantId: string; role: AuthContext["role"]; revokedAt: number | null; expiresAt: number | null; lastUsedAt: number | null }>(
    `SELECT id, "tenantId", role::text AS role, ${epochMs('"revokedAt"')} AS "revokedAt", ${epochMs('"expiresAt"')} AS "expiresAt", ${epochMs('"lastUsedAt"')} AS "lastUsedAt"
     FROM "ApiKey" WHERE hash = $1`,
    [hashSecret(key)],
  );
  const row = found && { ...found, revokedAt: dateOf(found.revokedAt), expiresAt: dateOf(found.expiresAt), lastUsedAt: dateOf(found.lastUsedAt) };
  const now = deps.clock();
  if (!row || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
    await deps.db.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { tenantId: row.tenantId, apiKeyId: row.id, role: row.role, via: "api-key" };
}
