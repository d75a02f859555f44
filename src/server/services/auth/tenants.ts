// Tenants, and the first-start bootstrap that gives a newcomer a tenant and an admin key.
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { DomainError } from "@/server/domain/errors";
import { grantFor } from "@/server/domain/grants";
import type { ServiceDeps } from "@/server/deps";
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
  const { key } = await createApiKey(deps, tenant.id, { name: "admin (created at first start)", role: "ADMIN" });
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, ADMIN_KEY_FILE);
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { key, file };
}

/** The connection a fresh single-tenant install reads through: the default tenant's first granted root. */
export const DEFAULT_CONNECTION = "files";

/**
 * Gives the `default` tenant a connection "files" on its first granted local root when it has no
 * connection at all (a fresh install, or an upgrade of one that had no ingestions), so it works
 * with no extra step. Returns whether it created one.
 */
export async function ensureDefaultConnection(deps: ServiceDeps): Promise<boolean> {
  const tenant = await deps.db.tenant.findUnique({ where: { slug: "default" }, select: { id: true, _count: { select: { connections: true } } } });
  const root = grantFor(deps.config.grants, "default").localRoots[0];
  if (!tenant || tenant._count.connections > 0 || !root) return false;
  const now = deps.clock();
  try {
    await deps.db.connection.create({
      data: {
        tenantId: tenant.id,
        name: DEFAULT_CONNECTION,
        description: "The server's default directory (created at first start)",
        type: "LOCAL",
        localPath: root,
        createdAt: now,
        updatedAt: now,
      },
    });
  } catch (error) {
    // Another process created it at the same moment.
    if ((error as { code?: string }).code === "P2002") return false;
    throw error;
  }
  deps.log.info(`[connections] created connection '${DEFAULT_CONNECTION}' on ${root} for tenant 'default'`);
  return true;
}

/** The tenant's slug: the key of its warehouse database file. */
export async function tenantKey(deps: ServiceDeps, tenantId: string): Promise<string> {
  const tenant = await deps.db.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { slug: true } });
  return tenant.slug;
}
