// The start-up migrator against real databases: applies each committed migration once, records it
// as `prisma migrate deploy` does, refuses edited history, rolls back a failing migration whole,
// and the committed migrations match prisma/schema.prisma.
import { createHash } from "node:crypto";
import { cp, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, describeEachDatabase, type TestDatabase } from "@/test/world";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";
import { defaultMigrationsDir, migrateDatabase, openDatabase } from "./database";
import { applyMigrations, MigrationError } from "./migrate";
import { openSchemaEngine } from "./schema-engine";

interface MigrationRow {
  id: string;
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
}

/** The committed migrations, read independently of the code under test. */
async function committedMigrations(dir = defaultMigrationsDir()): Promise<{ name: string; checksum: string }[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => ({
      name,
      checksum: createHash("sha256").update(await readFile(path.join(dir, name, "migration.sql"))).digest("hex"),
    })),
  );
}

/** A copy of the committed migrations that a test may edit. */
async function copyOfMigrations(tmp: TempDir, label: string): Promise<string> {
  const dir = path.join(tmp.path, label);
  await cp(defaultMigrationsDir(), dir, { recursive: true });
  return dir;
}

describeEachDatabase("migrations", (kind) => {
  let t: TestDatabase;
  let tmp: TempDir;

  beforeAll(async () => {
    [t, tmp] = await Promise.all([createTestDatabase(kind, { migrate: false }), makeTempDir("migrations")]);
  });
  afterAll(async () => {
    await t.destroy();
    await tmp.remove();
  });

  const rows = () =>
    t.database.sql.query<MigrationRow>(
      `SELECT id, migration_name, checksum, finished_at, rolled_back_at, applied_steps_count
         FROM "_prisma_migrations" ORDER BY migration_name`,
    );
  const tableExists = async (name: string) =>
    (await t.database.sql.query<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [`"${name}"`]))[0]
      ?.exists;

  it("applies every committed migration once, recording each with the sha256 of its SQL", async () => {
    const committed = await committedMigrations();
    expect(committed.length).toBeGreaterThan(0);
    expect(await tableExists("Tenant")).toBe(false);

    await expect(migrateDatabase(t.database)).resolves.toEqual({ applied: committed.map((m) => m.name) });
    await expect(migrateDatabase(t.database)).resolves.toEqual({ applied: [] });

    const recorded = await rows();
    expect(recorded.map((r) => ({ name: r.migration_name, checksum: r.checksum }))).toEqual(committed);
    for (const r of recorded) {
      expect(r).toMatchObject({ rolled_back_at: null, applied_steps_count: 1, finished_at: expect.any(Date) });
      expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
    // The schema is there and Prisma can use it.
    for (const table of ["Tenant", "ApiKey", "Session", "Ingestion", "Run", "ProcessedFile", "SchemaVersion"]) {
      expect({ table, exists: await tableExists(table) }).toEqual({ table, exists: true });
    }
    expect(await t.database.prisma.ingestion.count()).toBe(0);
  });

  it("refuses a migration that was changed after it was applied", async () => {
    const dir = await copyOfMigrations(tmp, "edited");
    const last = (await committedMigrations(dir)).at(-1)!;
    const file = path.join(dir, last.name, "migration.sql");
    await writeFile(file, `${await readFile(file, "utf8")}\n-- an innocent-looking edit\n`);
    const before = await rows();

    const error = await applyMigrations(t.database.sql, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toBe(
      `Migration ${last.name} was changed after it was applied (checksum differs); add a new migration instead`,
    );
    expect(await rows()).toEqual(before);
  });

  it("rolls a failing migration back whole and names it", async () => {
    const dir = await copyOfMigrations(tmp, "broken");
    const name = "99990101000000_broken";
    await mkdir(path.join(dir, name));
    await writeFile(
      path.join(dir, name, "migration.sql"),
      `CREATE TABLE "half_done" ("id" INTEGER);\nALTER TABLE "NoSuchTable" ADD COLUMN "x" INTEGER;\n`,
    );

    const error = await applyMigrations(t.database.sql, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Migration ${name} failed: .*relation "NoSuchTable" does not exist`),
    );
    expect(await tableExists("half_done")).toBe(false);
    expect((await rows()).map((r) => r.migration_name)).not.toContain(name);

    // The connection is usable afterwards, and the committed migrations are still all applied.
    await expect(migrateDatabase(t.database)).resolves.toEqual({ applied: [] });
    expect(await t.database.prisma.tenant.count()).toBe(0);
  });

  it("stops on a migration that started but never finished, and ignores rolled-back attempts", async () => {
    const insert = (name: string, rolledBack: boolean) =>
      t.database.sql.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, rolled_back_at)
         VALUES (gen_random_uuid()::text, 'x', $1, NULL, ${rolledBack ? "now()" : "NULL"})`,
        [name],
      );
    await insert("20000101000000_rolled_back", true);
    await expect(migrateDatabase(t.database)).resolves.toEqual({ applied: [] });

    await insert("20000101000000_crashed", false);
    const error = await migrateDatabase(t.database).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toBe(
      "Migration 20000101000000_crashed started but did not finish; repair the database before starting Autoloader",
    );
    await t.database.sql.query(`DELETE FROM "_prisma_migrations" WHERE migration_name LIKE '20000101000000_%'`);
  });

  if (kind === "postgres") {
    it("applies each migration once when two processes start at the same moment", async () => {
      const fresh = await createTestDatabase("postgres", { migrate: false });
      const second = await openDatabase({ kind: "postgres", url: fresh.url! });
      try {
        const results = await Promise.all([migrateDatabase(fresh.database), migrateDatabase(second)]);
        const names = (await committedMigrations()).map((m) => m.name);
        expect(results.map((r) => r.applied).sort((a, b) => b.length - a.length)).toEqual([names, []]);
        const count = await fresh.database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
        expect(count[0]?.n).toBe(names.length);
      } finally {
        await second.close();
        await fresh.destroy();
      }
    });
  }
});

describe("schema drift", () => {
  let tmp: TempDir;
  beforeAll(async () => {
    tmp = await makeTempDir("drift");
  });
  afterAll(() => tmp.remove());

  it("is detected when the schema gains a field no migration adds", async () => {
    await cp(path.join(process.cwd(), "prisma"), path.join(tmp.path, "prisma"), { recursive: true });
    const schemaFile = path.join(tmp.path, "prisma", "schema.prisma");
    const schema = await readFile(schemaFile, "utf8");
    const edited = schema.replace(/model Tenant \{\n/, "model Tenant {\n  driftProbe String?\n");
    expect(edited).not.toBe(schema);
    await writeFile(schemaFile, edited);
    const engine = await openSchemaEngine(tmp.path);
    try {
      expect(await engine.diffMigrationsToSchema()).toMatch(/ALTER TABLE "Tenant" ADD COLUMN\s+"driftProbe" TEXT/);
    } finally {
      await engine.close();
    }
  });

  it("prisma/schema.prisma matches the committed migrations", async () => {
    const engine = await openSchemaEngine(process.cwd());
    try {
      // Non-empty means schema.prisma changed without `npm run migration:create`; the SQL says what is missing.
      expect(await engine.diffMigrationsToSchema()).toBe("");
    } finally {
      await engine.close();
    }
  });
});
