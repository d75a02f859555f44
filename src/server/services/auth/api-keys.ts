// Tenants' API keys: create (the key is returned once), list, revoke.
import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { DomainError, notFound } from "@/server/domain/errors";
import type { ServiceDeps } from "../deps";
import { generateApiKey } from "./api-key-secret";

export const apiKeySelect = {
  id: true,
  name: true,
  prefix: true,
  isAdmin: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
} satisfies Prisma.ApiKeySelect;

export const apiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  isAdmin: z.boolean(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});
export type ApiKeyView = z.infer<typeof apiKeyView>;

export const apiKeyName = z
  .string({ error: "Key name is required" })
  .trim()
  .min(1, "Key name is required")
  .max(100, "Key name must be at most 100 characters");

export async function createApiKey(
  deps: ServiceDeps,
  tenantId: string,
  input: { name: string; isAdmin: boolean },
): Promise<{ key: string; apiKey: ApiKeyView }> {
  const secret = generateApiKey();
  const apiKey = await deps.db.apiKey.create({
    data: { tenantId, name: input.name, prefix: secret.prefix, hash: secret.hash, isAdmin: input.isAdmin },
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
  if (key.isAdmin) {
    const otherAdmins = await deps.db.apiKey.count({
      where: { tenantId, isAdmin: true, revokedAt: null, id: { not: id } },
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
