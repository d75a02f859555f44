// Tenants' API keys: create (the key is returned once), list, revoke. Each key has a role and an
// optional expiry; a revoked or expired key stops at once, with every session opened with it.
import type { Prisma } from "@/generated/prisma/client";
import { DomainError, notFound } from "@/server/domain/errors";
import type { ServiceDeps } from "@/server/deps";
import { generateApiKey } from "./api-key-secret";
import type { ApiKeyView, CreateApiKeyOutput } from "@/shared/contracts/keys";
import type { Role } from "./auth-context";

export const apiKeySelect = {
  id: true,
  name: true,
  prefix: true,
  role: true,
  createdAt: true,
  lastUsedAt: true,
  expiresAt: true,
  revokedAt: true,
} satisfies Prisma.ApiKeySelect;

export async function createApiKey(
  deps: ServiceDeps,
  tenantId: string,
  input: { name: string; role: Role; expiresAt?: Date | null },
): Promise<CreateApiKeyOutput> {
  if (input.expiresAt && input.expiresAt <= deps.clock()) {
    throw new DomainError("BAD_REQUEST", "Expiry must be in the future", "expiresAt");
  }
  const secret = generateApiKey();
  const apiKey = await deps.db.apiKey.create({
    data: {
      tenantId,
      name: input.name,
      prefix: secret.prefix,
      hash: secret.hash,
      role: input.role,
      expiresAt: input.expiresAt ?? null,
    },
    select: apiKeySelect,
  });
  return { key: secret.key, apiKey };
}

export async function listApiKeys(deps: ServiceDeps, tenantId: string): Promise<ApiKeyView[]> {
  return deps.db.apiKey.findMany({ where: { tenantId }, orderBy: { createdAt: "desc" }, select: apiKeySelect });
}

export async function revokeApiKey(deps: ServiceDeps, tenantId: string, id: string): Promise<ApiKeyView> {
  const key = await deps.db.apiKey.findFirst({ where: { id, tenantId }, select: apiKeySelect });
  if (!key) throw notFound("API key", id);
  if (key.revokedAt) throw new DomainError("BAD_REQUEST", `API key '${key.name}' is already revoked`);
  if (key.role === "ADMIN") {
    const now = deps.clock();
    const otherAdmins = await deps.db.apiKey.count({
      where: {
        tenantId,
        role: "ADMIN",
        revokedAt: null,
        OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
        id: { not: id },
      },
    });
    if (otherAdmins === 0) {
      throw new DomainError(
        "PRECONDITION_FAILED",
        `API key '${key.name}' is the tenant's last admin key; create another admin key before revoking it`,
      );
    }
  }
  const revoked = await deps.db.apiKey.update({ where: { id }, data: { revokedAt: deps.clock() }, select: apiKeySelect });
  // Sessions opened with the key end with it.
  await deps.db.session.deleteMany({ where: { apiKeyId: id } });
  return revoked;
}
