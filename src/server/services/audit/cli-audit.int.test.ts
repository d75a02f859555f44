// `npm run keys` changes are in the tenant's audit log as the CLI's: a real child process on a
// real data directory, then the rows read back through the runtime.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "@/env";
import { openRuntime } from "@/server/runtime";
import { runKeysCli } from "@/test/keys-cli";
import { recordingLogger } from "@/test/world";

const keys = runKeysCli;

describe("npm run keys and the audit log", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "autoloader-cli-audit-"));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it("records create and revoke as actorKind 'cli' with the admin role, and never the key", async () => {
    const created = keys(dataDir, "create", "--tenant", "acme", "--name", "ci", "--role", "viewer");
    expect(created.code).toBe(0);
    const id = /\(([0-9a-f-]{36})\)/.exec(created.stderr)?.[1] ?? "";
    expect(keys(dataDir, "revoke", "--tenant", "acme", "--id", id)).toMatchObject({ code: 0 });
    expect(keys(dataDir, "revoke", "--tenant", "acme", "--id", id)).toMatchObject({ code: 1, stderr: "API key 'ci' is already revoked" });

    const runtime = await openRuntime(loadConfig({ AUTOLOADER_DATA_DIR: dataDir }), recordingLogger(), { bootstrap: false });
    try {
      const tenant = await runtime.deps.db.tenant.findUniqueOrThrow({ where: { slug: "acme" } });
      const events = await runtime.deps.db.auditEvent.findMany({ where: { tenantId: tenant.id }, orderBy: [{ at: "asc" }, { id: "asc" }] });
      const user = os.userInfo().username;
      expect(events.map((e) => [e.action, e.outcome, e.actorKind, e.actorName, e.actorRole, e.apiKeyId, e.targetId, e.targetName, e.error])).toEqual([
        ["key.create", "SUCCESS", "cli", `cli (${user})`, "ADMIN", null, id, "ci", null],
        ["key.revoke", "SUCCESS", "cli", `cli (${user})`, "ADMIN", null, id, "ci", null],
        ["key.revoke", "FAILURE", "cli", `cli (${user})`, "ADMIN", null, id, "ci", "BAD_REQUEST: API key 'ci' is already revoked"],
      ]);
      expect(events[0]?.details).toEqual({ input: { name: "ci", role: "VIEWER" } });
      expect(JSON.stringify(events)).not.toContain(created.stdout);
    } finally {
      await runtime.close();
    }
  });
});
