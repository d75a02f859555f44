// `npm run keys` as a user runs it: a real child process on a real data directory.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "@/env";
import { openRuntime } from "@/server/runtime";
import { authenticateApiKey } from "./authenticate-api-key";
import { runKeysCli } from "@/test/keys-cli";
import { recordingLogger } from "@/test/world";

const keys = runKeysCli;

describe("npm run keys", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "autoloader-keys-"));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it("creates a tenant and a key (only the key on stdout), lists and revokes keys", async () => {
    const created = keys(dataDir, "create", "--tenant", "acme", "--name", "orders loader");
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^al_[A-Za-z0-9_-]{32}$/);
    expect(created.stderr).toContain("Created tenant 'acme'; new editor key 'orders loader'");

    const admin = keys(dataDir, "create", "--tenant", "acme", "--name", "ops", "--admin");
    expect(admin.stderr).toContain("Tenant 'acme'; new admin key 'ops'");
    const viewer = keys(dataDir, "create", "--tenant", "acme", "--name", "dashboards", "--role", "viewer", "--expires", "2099-01-31");
    expect(viewer.stderr).toContain(`Tenant 'acme'; new viewer key 'dashboards' (`);
    expect(viewer.stderr).toContain(", expires 2099-01-31T00:00:00.000Z). It is shown once:");

    const listed = keys(dataDir, "list", "--tenant", "acme");
    const lines = listed.stdout.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.split("\t").slice(2, 6))).toEqual([
      ["dashboards", "viewer", "active", "never used"],
      ["ops", "admin", "active", "never used"],
      ["orders loader", "editor", "active", "never used"],
    ]);
    const loaderId = lines[2]?.split("\t")[0] ?? "";

    // The key works against the same database, scoped to tenant acme.
    const runtime = await openRuntime(loadConfig({ AUTOLOADER_DATA_DIR: dataDir }), recordingLogger(), { bootstrap: false });
    try {
      const auth = await authenticateApiKey(runtime.deps, created.stdout);
      const tenant = await runtime.deps.db.tenant.findUniqueOrThrow({ where: { slug: "acme" } });
      expect(auth).toMatchObject({ tenantId: tenant.id, role: "EDITOR", via: "api-key" });
    } finally {
      await runtime.close();
    }

    const revoked = keys(dataDir, "revoke", "--tenant", "acme", "--id", loaderId);
    expect(revoked).toMatchObject({ code: 0, stderr: `Revoked key 'orders loader' (${loaderId}).` });
    const afterRevoke = keys(dataDir, "list", "--tenant", "acme").stdout.split("\n");
    expect(afterRevoke[2]?.split("\t")[4]).toMatch(/^revoked \d{4}-/);
    // The key was used once above (authenticateApiKey records it).
    expect(afterRevoke[2]?.split("\t")[5]).toMatch(/^last used \d{4}-/);

    expect(keys(dataDir, "tenants").stdout).toMatch(/^acme\t3 key\(s\)\t0 ingestion\(s\)\tcreated /);
  });

  it("explains its usage and refuses bad input with a clear message", () => {
    expect(keys(dataDir, "create")).toMatchObject({ code: 2, stderr: expect.stringContaining("--tenant is required for create") });
    expect(keys(dataDir, "frobnicate")).toMatchObject({ code: 2, stderr: expect.stringContaining("Usage:") });
    expect(keys(dataDir, "create", "--tenant", "Not Valid")).toMatchObject({
      code: 1,
      stderr: 'Tenant "Not Valid" is invalid: use lowercase letters, digits and hyphens',
    });
    expect(keys(dataDir, "revoke", "--tenant", "acme", "--id", "nope")).toMatchObject({ code: 1, stderr: "No API key 'nope'" });
    expect(keys(dataDir, "create", "--tenant", "acme", "--role", "owner")).toMatchObject({
      code: 1,
      stderr: "--role must be admin, editor or viewer, not 'owner'",
    });
    expect(keys(dataDir, "create", "--tenant", "acme", "--admin", "--role", "viewer")).toMatchObject({
      code: 1,
      stderr: "--admin and --role viewer contradict each other",
    });
    expect(keys(dataDir, "create", "--tenant", "acme", "--expires", "soon")).toMatchObject({
      code: 1,
      stderr: "--expires must be an ISO date such as 2027-01-31, not 'soon'",
    });
    expect(keys(dataDir, "create", "--tenant", "acme", "--expires", "2001-01-01")).toMatchObject({ code: 1, stderr: "Expiry must be in the future" });
  });

  it("refuses to open the embedded database while another live process holds it", async () => {
    const holder = spawn("sleep", ["30"]);
    try {
      await writeFile(path.join(dataDir, "pglite.lock"), String(holder.pid));
      const r = keys(dataDir, "list", "--tenant", "acme");
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`The embedded database in ${dataDir} is in use by process ${holder.pid}`);
    } finally {
      holder.kill();
      await rm(path.join(dataDir, "pglite.lock"), { force: true });
    }
  });
});
