import type { ServiceDeps } from "@/server/deps";
import type { AuthContext } from "./auth-context";
import { hashSecret, looksLikeApiKey } from "./api-key-secret";

/** Writing lastUsedAt on every request would turn each read into a write; once a minute is enough. */
const LAST_USED_GRANULARITY_MS = 60_000;

export async function authenticateApiKey(deps: ServiceDeps, key: string): Promise<AuthContext | null> {
  if (!looksLikeApiKey(key)) return null;
  const row = await deps.db.apiKey.findUnique({
    where: { hash: hashSecret(key) },
    select: { id: true, tenantId: true, role: true, revokedAt: true, expiresAt: true, lastUsedAt: true },
  });
  const now = deps.clock();
  if (!row || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
    await deps.db.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { tenantId: row.tenantId, apiKeyId: row.id, role: row.role, via: "api-key" };
}
