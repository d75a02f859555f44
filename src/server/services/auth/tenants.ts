// Tenants, and the first-start bootstrap that gives a newcomer a tenant and an admin key.
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { DomainError } from "@/server/domain/errors";
import type { ServiceDeps } from "../deps";
import { createApiKey } from "./api-keys";

export const TENANT_SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

export async function ensureTenant(deps: ServiceDeps, slug: string): Promise<{ id: string; slug: string; created: boolean }> {
  if (!TENANT_SLUG.test(slug)) {
    throw new DomainError("BAD_REQUEST", `Tenant "${slug}" is invalid: use lowercase letters, digits and hyphens`);
  }
  const existing = await deps.db.tenant.findUnique({ where: { slug }, select: { id: true, slug: true } });
  if (existing) return { ...existing, created: false };
  try {
    const t = await deps.db.tenant.create({ data: { slug, name: slug }, select: { id: true, slug: true } });
    return { ...t, created: true };
  } catch (error) {
    if ((error as { code?: string }).code !== "P2002") throw error;
    const t = await deps.db.tenant.findUniqueOrThrow({ where: { slug }, select: { id: true, slug: true } });
    return { ...t, created: false };
  }
}

export const ADMIN_KEY_FILE = "admin-key";

/**
 * On an empty database, creates the `default` tenant and an admin key, and writes the key to
 * `<dataDir>/admin-key` (mode 600). Returns the key only when it was created now.
 */
export async function bootstrapDefaultTenant(deps: ServiceDeps, dataDir: string): Promise<{ key: string; file: string } | null> {
  if ((await deps.db.tenant.count()) > 0) return null;
  const tenant = await ensureTenant(deps, "default");
  // Another process may have bootstrapped at the same moment; only the creator makes the key.
  if (!tenant.created) return null;
  const { key } = await createApiKey(deps, tenant.id, { name: "admin (created at first start)", isAdmin: true });
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, ADMIN_KEY_FILE);
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { key, file };
}

/** The tenant's slug: the key of its warehouse database file. */
export async function tenantKey(deps: ServiceDeps, tenantId: string): Promise<string> {
  const tenant = await deps.db.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { slug: true } });
  return tenant.slug;
}
