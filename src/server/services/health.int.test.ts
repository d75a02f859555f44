import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Warehouse } from "@/server/engine/warehouse";
import { createTestDatabase, type TestDatabase } from "@/test/databases";
import { testDeps } from "@/test/service-deps";
import { checkHealth } from "./health";

const INNGEST_OFF = { eventKey: undefined, signingKey: undefined, dev: false, baseUrl: undefined, sendTimeoutMs: 1000 };

describe("checkHealth", () => {
  let t: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    dir = await mkdtemp(path.join(os.tmpdir(), "autoloader-health-"));
  });
  afterAll(async () => {
    await chmod(dir, 0o755).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    await t.destroy();
  });

  it("reports the database and the warehouse as ok", async () => {
    const deps = testDeps(t.database.prisma, { engine: { warehouse: new Warehouse(path.join(dir, "wh")) } });
    expect(await checkHealth({ database: t.database, deps, inngest: null, config: { inngest: INNGEST_OFF } })).toEqual({
      status: "ok",
      database: { kind: "pglite", status: "ok" },
      warehouse: { dir: path.join(dir, "wh"), status: "ok" },
      inngest: "not-configured",
      scheduler: "embedded",
    });
  });

  it("reports a warehouse directory that cannot be created, with the reason", async () => {
    // A regular file where the warehouse directory should be.
    const blocked = path.join(dir, "file");
    await import("node:fs/promises").then((fs) => fs.writeFile(blocked, "x"));
    const deps = testDeps(t.database.prisma, { engine: { warehouse: new Warehouse(path.join(blocked, "wh")) } });
    const health = await checkHealth({ database: t.database, deps, inngest: null, config: { inngest: INNGEST_OFF } });
    expect(health.status).toBe("error");
    expect(health.warehouse).toMatchObject({ status: "error", message: expect.stringContaining("ENOTDIR") });
  });
});
