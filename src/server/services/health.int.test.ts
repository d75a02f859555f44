import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Warehouse } from "@/server/engine/destinations/duckdb/warehouse";
import { createTestDatabase, type TestDatabase, recordingLogger, testDeps } from "@/test/world";
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
      warehouse: { status: "ok" },
      inngest: "not-configured",
      scheduler: "embedded",
    });
  });

  it("reports a warehouse directory that cannot be created by its error code, naming no path (the log has the detail)", async () => {
    // A regular file where the warehouse directory should be.
    const blocked = path.join(dir, "file");
    await import("node:fs/promises").then((fs) => fs.writeFile(blocked, "x"));
    const log = recordingLogger();
    const deps = testDeps(t.database.prisma, { engine: { warehouse: new Warehouse(path.join(blocked, "wh")) }, log });
    const health = await checkHealth({ database: t.database, deps, inngest: null, config: { inngest: INNGEST_OFF } });
    expect(health.status).toBe("error");
    expect(health.warehouse).toEqual({ status: "error", message: "The warehouse directory cannot be used (ENOTDIR)" });
    expect(JSON.stringify(health)).not.toContain(dir);
    expect(log.lines.some((l) => l.message.includes("ENOTDIR") && l.message.includes(blocked))).toBe(true);
  });

  it("names no path or address in a database error", async () => {
    const deps = testDeps(t.database.prisma, { engine: { warehouse: new Warehouse(path.join(dir, "wh2")) }, log: recordingLogger() });
    const failing = {
      ...t.database,
      sql: { query: () => Promise.reject(Object.assign(new Error("connect ECONNREFUSED 10.1.2.3:5432 (/var/run/pg)"), { code: "ECONNREFUSED" })) },
    } as unknown as typeof t.database;
    const health = await checkHealth({ database: failing, deps, inngest: null, config: { inngest: INNGEST_OFF } });
    expect(health.database).toEqual({ kind: "pglite", status: "error", message: "The database does not answer (ECONNREFUSED)" });
  });
});
