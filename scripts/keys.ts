// Tenants and API keys from the command line.
//   npm run keys -- create --tenant acme [--name "CI loader"] [--admin]
//   npm run keys -- list --tenant acme
//   npm run keys -- revoke --tenant acme --id <key id>
//   npm run keys -- tenants
// The new key is the only thing printed on stdout, so `KEY=$(npm run -s keys -- create ...)` works.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../src/env";
import { DomainError } from "../src/server/domain/errors";
import { openRuntime } from "../src/server/runtime";
import { createApiKey, listApiKeys, revokeApiKey } from "../src/server/services/auth/api-keys";
import { ensureTenant } from "../src/server/services/auth/tenants";

const USAGE = `Usage:
  npm run keys -- create --tenant <slug> [--name <name>] [--admin]
  npm run keys -- list --tenant <slug>
  npm run keys -- revoke --tenant <slug> --id <key id>
  npm run keys -- tenants`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    tenant: { type: "string" },
    name: { type: "string" },
    admin: { type: "boolean", default: false },
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
let exitCode = 0;
try {
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
        const { key, apiKey } = await createApiKey(deps, tenant.id, {
          name: values.name ?? `key for ${tenant.slug}`,
          isAdmin: values.admin,
        });
        err(`${tenant.created ? "Created tenant" : "Tenant"} '${tenant.slug}'; new ${apiKey.isAdmin ? "admin " : ""}key '${apiKey.name}' (${apiKey.id}). It is shown once:`);
        console.log(key);
      } else if (command === "list") {
        for (const k of await listApiKeys(deps, tenant.id)) {
          const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "active";
          console.log(`${k.id}\t${k.prefix}…\t${k.name}\t${k.isAdmin ? "admin" : "member"}\t${state}`);
        }
      } else {
        if (!values.id) throw new DomainError("BAD_REQUEST", "--id is required for revoke");
        const k = await revokeApiKey(deps, tenant.id, values.id);
        err(`Revoked key '${k.name}' (${k.id}).`);
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
