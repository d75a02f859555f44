// "IngestionFileCount" (files.list's counts) against the files themselves, after every kind of
// write the product makes to "ProcessedFile": bulk inserts, status changes in bulk and one by one,
// updates that change no status, deletes of some files, a run's deletion (which sets the files'
// runId to NULL) and the deletion of a whole ingestion. The counts are kept by triggers, so the
// check is the same whatever code path wrote the files.
import { afterAll, beforeAll, expect, it } from "vitest";
import { defaultMigrationsDir } from "@/server/db/database";
import { applyMigrations } from "@/server/db/migrate";
import { migrateUpTo } from "@/test/migration-fixtures";
import { makeIngestion } from "@/test/run-fixtures";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";
import { createTestDatabase, describeEachDatabase, useRunWorld, type TestDatabase } from "@/test/world";

describeEachDatabase("file counts", (kind) => {
  const suite = useRunWorld({ kind });

  /** The kept counts and the counts of the files, per ingestion and status (zero counts left out). */
  async function both() {
    const kept = await suite.world.deps.db.$queryRaw<{ k: string; s: string; n: bigint }[]>`
      SELECT "ingestionId" AS k, status::text AS s, files AS n FROM "IngestionFileCount" WHERE files <> 0 ORDER BY 1, 2`;
    const actual = await suite.world.deps.db.$queryRaw<{ k: string; s: string; n: bigint }[]>`
      SELECT "ingestionId" AS k, status::text AS s, count(*) AS n FROM "ProcessedFile" GROUP BY 1, 2 ORDER BY 1, 2`;
    const shape = (rows: { k: string; s: string; n: bigint }[]) => rows.map((r) => `${r.k} ${r.s} ${Number(r.n)}`);
    return { kept: shape(kept), actual: shape(actual) };
  }

  async function insertFiles(ingestionId: string, prefix: string, count: number, status = "PENDING") {
    await suite.world.deps.db.$executeRaw`
      INSERT INTO "ProcessedFile" (id, "ingestionId", path, size, "lastModified", status, "updatedAt")
      SELECT gen_random_uuid()::text, ${ingestionId}, ${prefix} || g, 10, now(), ${status}::"FileStatus", now()
      FROM generate_series(1, ${count}::int) AS g`;
  }

  it("follow inserts, status changes, updates without a status change and deletes, per ingestion", async () => {
    const a = await makeIngestion(suite.world);
    const b = await makeIngestion(suite.world);
    await insertFiles(a.id, "a/", 500);
    await insertFiles(a.id, "a-empty/", 3, "SKIPPED");
    await insertFiles(b.id, "b/", 40);
    let s = await both();
    expect(s.kept).toEqual(s.actual);
    expect(s.kept).toContain(`${a.id} PENDING 500`);

    // One statement moving files between statuses (as a batch's marks do), and one moving them back.
    await suite.world.deps.db.$executeRaw`UPDATE "ProcessedFile" SET status = 'PROCESSING' WHERE "ingestionId" = ${a.id} AND path < 'a/3'`;
    await suite.world.deps.db.$executeRaw`UPDATE "ProcessedFile" SET status = CASE WHEN path < 'a/2' THEN 'SUCCESS'::"FileStatus" ELSE 'FAILED'::"FileStatus" END
      WHERE "ingestionId" = ${a.id} AND status = 'PROCESSING'`;
    // Statements that change no status (a lease renewal) and one that changes it for one file only.
    await suite.world.deps.db.$executeRaw`UPDATE "ProcessedFile" SET "leaseExpiresAt" = now() WHERE "ingestionId" = ${a.id}`;
    const one = await suite.world.deps.db.processedFile.findFirstOrThrow({ where: { ingestionId: b.id }, select: { id: true } });
    await suite.world.deps.db.processedFile.update({ where: { id: one.id }, data: { status: "MISSING" } });
    s = await both();
    expect(s.kept).toEqual(s.actual);
    expect(s.kept).toContain(`${b.id} MISSING 1`);

    // Deletes of some files, then of the other ingestion with all of its files.
    await suite.world.deps.db.$executeRaw`DELETE FROM "ProcessedFile" WHERE "ingestionId" = ${a.id} AND status = 'FAILED'`;
    await suite.world.deps.db.ingestion.delete({ where: { id: b.id } });
    s = await both();
    expect(s.kept).toEqual(s.actual);
    expect(s.kept.some((line) => line.startsWith(b.id))).toBe(false);
    const left = await suite.world.deps.db.ingestionFileCount.findMany({ where: { ingestionId: b.id } });
    expect(left).toEqual([]);
  });

  it("follow a run's files when the run is deleted (its files keep their status, runId becomes NULL)", async () => {
    const ing = await makeIngestion(suite.world);
    await insertFiles(ing.id, "r/", 20);
    const run = await suite.world.deps.db.run.create({ data: { ingestionId: ing.id, status: "SUCCEEDED", trigger: "MANUAL" } });
    await suite.world.deps.db.$executeRaw`UPDATE "ProcessedFile" SET status = 'SUCCESS', "runId" = ${run.id} WHERE "ingestionId" = ${ing.id}`;
    await suite.world.deps.db.run.delete({ where: { id: run.id } });
    const s = await both();
    expect(s.kept).toEqual(s.actual);
    expect(s.kept).toContain(`${ing.id} SUCCESS 20`);
  });
});

describeEachDatabase("migration to kept file counts", (kind) => {
  let t: TestDatabase;
  let tmp: TempDir;
  beforeAll(async () => {
    [t, tmp] = await Promise.all([createTestDatabase(kind, { migrate: false }), makeTempDir("counts-migration")]);
  });
  afterAll(async () => {
    await t?.destroy();
    await tmp?.remove();
  });

  it("counts the files that were there before it, then keeps counting", async () => {
    await migrateUpTo(t, tmp.path, "ingestion_file_counts");
    const sql = t.database.sql;
    await sql.query(`INSERT INTO "Tenant" ("id", "slug", "name", "updatedAt") VALUES ('t1', 'acme', 'acme', now())`);
    await sql.query(`INSERT INTO "Connection" ("id", "tenantId", "name", "type", "localPath", "updatedAt") VALUES ('c1', 't1', 'files', 'LOCAL', '/data', now())`);
    await sql.query(
      `INSERT INTO "Ingestion" ("id", "tenantId", "name", "sourceType", "connectionId", "sourceUri", "format", "destinationSchema", "destinationTable", "updatedAt")
       VALUES ('i1', 't1', 'i1', 'LOCAL', 'c1', '/data', 'JSON', 'raw', 'i1', now())`,
    );
    await sql.query(
      `INSERT INTO "ProcessedFile" (id, "ingestionId", path, size, "lastModified", status, "updatedAt")
       SELECT 'f' || g, 'i1', 'p' || g, 1, now(), (CASE WHEN g <= 7 THEN 'SUCCESS' ELSE 'FAILED' END)::"FileStatus", now()
       FROM generate_series(1, 10) AS g`,
    );

    await applyMigrations(sql, defaultMigrationsDir());
    const counts = async () =>
      (await sql.query<{ status: string; files: string | number }>(`SELECT status::text AS status, files FROM "IngestionFileCount" ORDER BY 1`)).map(
        (r) => `${r.status} ${Number(r.files)}`,
      );
    expect(await counts()).toEqual(["FAILED 3", "SUCCESS 7"]);
    await sql.query(`UPDATE "ProcessedFile" SET status = 'PENDING' WHERE status = 'FAILED'`);
    expect(await counts()).toEqual(["FAILED 0", "PENDING 3", "SUCCESS 7"]);
  });
});
