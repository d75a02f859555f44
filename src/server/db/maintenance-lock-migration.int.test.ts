// The upgrade to the maintenance lock (migration ingestion_maintenance_lock) on real databases:
// the fake QUEUED run rows that held ingestions for maintenance before (currentStep
// "maintenance: …", left by a process that died mid-refresh) are removed, since nothing treats
// them as guards any more and they would otherwise show and end as runs; real runs stay.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, describeEachDatabase, type TestDatabase } from "@/test/world";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";
import { migrateUpTo } from "@/test/migration-fixtures";
import { defaultMigrationsDir } from "./database";
import { applyMigrations } from "./migrate";

const MIGRATION = "ingestion_maintenance_lock";

describeEachDatabase("migration to the maintenance lock", (kind) => {
  let t: TestDatabase;
  let tmp: TempDir;

  beforeAll(async () => {
    [t, tmp] = await Promise.all([createTestDatabase(kind, { migrate: false }), makeTempDir("lock-migration")]);
  });
  afterAll(async () => {
    await t.destroy();
    await tmp.remove();
  });

  it("removes the old guard rows of maintenance and keeps every real run", async () => {
    // The migrations before this one.
    await migrateUpTo(t, tmp.path, MIGRATION);

    const sql = t.database.sql;
    await sql.query(`INSERT INTO "Tenant" ("id", "slug", "name", "updatedAt") VALUES ('t1', 'acme', 'acme', now())`);
    await sql.query(`INSERT INTO "Connection" ("id", "tenantId", "name", "type", "localPath", "updatedAt") VALUES ('c1', 't1', 'files', 'LOCAL', '/data', now())`);
    for (const id of ["i1", "i2", "i3"]) {
      await sql.query(
        `INSERT INTO "Ingestion" ("id", "tenantId", "name", "sourceType", "connectionId", "sourceUri", "format", "destinationSchema", "destinationTable", "updatedAt")
         VALUES ($1, 't1', $1, 'LOCAL', 'c1', '/data', 'JSON', 'raw', $1, now())`,
        [id],
      );
    }
    const run = (id: string, ingestion: string, status: string, step: string | null, active: boolean) =>
      sql.query(
        `INSERT INTO "Run" ("id", "ingestionId", "activeIngestionId", "status", "trigger", "currentStep", "updatedAt")
         VALUES ($1, $2, $3, $4::"RunStatus", 'MANUAL', $5, now())`,
        [id, ingestion, active ? ingestion : null, status, step],
      );
    await run("guard", "i1", "QUEUED", "maintenance: a refresh", true);
    await run("queued", "i2", "QUEUED", null, true);
    await run("waiting", "i3", "QUEUED", "waiting for a slot", true);
    await run("done", "i1", "SUCCEEDED", "finish", false);

    await applyMigrations(t.database.sql, defaultMigrationsDir());

    const runs = await sql.query<{ id: string; activeIngestionId: string | null }>(`SELECT "id", "activeIngestionId" FROM "Run" ORDER BY "id"`);
    expect(runs).toEqual([
      { id: "done", activeIngestionId: null },
      { id: "queued", activeIngestionId: "i2" },
      { id: "waiting", activeIngestionId: "i3" },
    ]);
    // The ingestion the guard held is free: nothing holds it.
    const held = await sql.query<{ maintenanceToken: string | null }>(`SELECT "maintenanceToken" FROM "Ingestion" WHERE id = 'i1'`);
    expect(held).toEqual([{ maintenanceToken: null }]);
  });
});
