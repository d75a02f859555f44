// Tenants and API keys from the command line.
//   npm run keys -- create --tenant acme [--name "CI loader"] [--role admin|editor|viewer] [--admin] [--expires <ISO date>]
//   npm run keys -- list --tenant acme
//   npm run keys -- revoke --tenant acme --id <key id>
//   npm run keys -- tenants
// The new key is the only thing printed on stdout, so `KEY=$(npm run -s keys -- create ...)` works.
import os from "node:os";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../src/env";
import { DomainError } from "../src/server/domain/errors";
import { openRuntime } from "../src/server/runtime";
import { createApiKey, listApiKeys, revokeApiKey } from "../src/server/services/auth/api-keys";
import { roleSchema } from "../src/shared/contracts/keys";
import { ensureTenant } from "../src/server/services/auth/tenants";
import { recordAuditEvent, type AuditActor } from "../src/server/services/audit/record-audit-event";

/** Who the audit log names for changes made here: the operator at the machine, with full rights. */
function cliActor(tenantId: string): AuditActor {
  let user = "unknown user";
  try {
    user = os.userInfo().username;
  } catch {
    // No passwd entry (some containers): the log still says it was the CLI.
  }
  return { tenantId, kind: "cli", apiKeyId: null, name: `cli (${user})`, role: "ADMIN" };
}

const USAGE = `Usage:
  npm run keys -- create --tenant <slug> [--name <name>] [--role admin|editor|viewer] [--admin] [--expires <date>]
      --role defaults to editor; --admin is --role admin; --expires takes an ISO date or date-time
  npm run keys -- list --tenant <slug>
  npm run keys -- revoke --tenant <slug> --id <key id>
  npm run keys -- tenants`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    tenant: { type: "string" },
    name: { type: "string" },
    admin: { type: "boolean", default: false },
    role: { type: "string" },
    expires: { type: "string" },
    id: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
const command = positionals[0];
if (values.help || !command || !["create", "list", "revoke", "tenants"].includes(command)) {
  console.error(USAGE);
  process.exit(values.help ? 0 : 2);
}
if (command !== "tenants" && !values.tenant) {
  console.error(`--tenant is required for ${command}\n\n${USAGE}`);
  process.exit(2);
}

const err = (m: string) => console.error(m);

/** create's --role / --admin / --expires, checked before the database is opened. */
function createOptions(): { role: "ADMIN" | "EDITOR" | "VIEWER"; expiresAt: Date | null } {
  const role = roleSchema.safeParse(values.admin ? "ADMIN" : (values.role ?? "editor").toUpperCase());
  if (!role.success) throw new DomainError("BAD_REQUEST", `--role must be admin, editor or viewer, not '${values.role}'`);
  if (values.admin && values.role && values.role.toUpperCase() !== "ADMIN") {
    throw new DomainError("BAD_REQUEST", `--admin and --role ${values.role} contradict each other`);
  }
  const expiresAt = values.expires === undefined ? null : new Date(values.expires);
  if (expiresAt && Number.isNaN(expiresAt.getTime())) {
    throw new DomainError("BAD_REQUEST", `--expires must be an ISO date such as 2027-01-31, not '${values.expires}'`);
  }
  return { role: role.data, expiresAt };
}

let exitCode = 0;
try {
  if (command === "create") createOptions();
  const runtime = await openRuntime(loadConfig(), { info: () => {}, warn: err, error: err }, { bootstrap: false });
  try {
    const deps = runtime.deps;
    if (command === "tenants") {
      const tenants = await deps.db.tenant.findMany({
        orderBy: { createdAt: "asc" },
        select: { slug: true, createdAt: true, _count: { select: { apiKeys: true, ingestions: true } } },
      });
      for (const t of tenants) {
        console.log(`${t.slug}\t${t._count.apiKeys} key(s)\t${t._count.ingestions} ingestion(s)\tcreated ${t.createdAt.toISOString()}`);
      }
    } else {
      const tenant = await ensureTenant(deps, values.tenant ?? "");
      if (command === "create") {
        const { role, expiresAt } = createOptions();
        const { key, apiKey } = await createApiKey(deps, tenant.id, {
          name: values.name ?? `key for ${tenant.slug}`,
          role,
          expiresAt,
        });
        await recordAuditEvent(deps, {
          actor: cliActor(tenant.id),
          action: "key.create",
          target: { type: "key", id: apiKey.id, name: apiKey.name },
          outcome: "SUCCESS",
          details: { input: { name: apiKey.name, role: apiKey.role, ...(apiKey.expiresAt ? { expiresAt: apiKey.expiresAt.toISOString() } : {}) } },
        });
        const until = apiKey.expiresAt ? `, expires ${apiKey.expiresAt.toISOString()}` : "";
        err(`${tenant.created ? "Created tenant" : "Tenant"} '${tenant.slug}'; new ${apiKey.role.toLowerCase()} key '${apiKey.name}' (${apiKey.id}${until}). It is shown once:`);
        console.log(key);
      } else if (command === "list") {
        for (const k of await listApiKeys(deps, tenant.id)) {
          const state = k.revokedAt
            ? `revoked ${k.revokedAt.toISOString()}`
            : k.expiresAt && k.expiresAt <= new Date()
              ? `expired ${k.expiresAt.toISOString()}`
              : "active";
          const used = k.lastUsedAt ? `last used ${k.lastUsedAt.toISOString()}` : "never used";
          console.log(`${k.id}\t${k.prefix}…\t${k.name}\t${k.role.toLowerCase()}\t${state}\t${used}`);
        }
      } else {
        if (!values.id) throw new DomainError("BAD_REQUEST", "--id is required for revoke");
        const id = values.id;
        const target = { type: "key" as const, id, name: (await deps.db.apiKey.findFirst({ where: { id, tenantId: tenant.id } }))?.name ?? null };
        try {
          const k = await revokeApiKey(deps, tenant.id, id);
          await recordAuditEvent(deps, { actor: cliActor(tenant.id), action: "key.revoke", target, outcome: "SUCCESS" });
          err(`Revoked key '${k.name}' (${k.id}).`);
        } catch (error) {
          if (error instanceof DomainError) {
            const failure = { outcome: "FAILURE" as const, error: `${error.code}: ${error.message}` };
            await recordAuditEvent(deps, { actor: cliActor(tenant.id), action: "key.revoke", target, ...failure });
          }
          throw error;
        }
      }
    }
  } finally {
    await runtime.close();
  }
} catch (error) {
  if (error instanceof DomainError || error instanceof ConfigError) err(error.message);
  else err((error as Error).stack ?? String(error));
  exitCode = 1;
}
process.exit(exitCode);
