// Runs a suite against every metadata database kind: PGlite (in memory) and, when reachable,
// a scratch database on the PostgreSQL server. Both are migrated with the committed migrations.
import { readFile } from "node:fs/promises";
import { describe, inject } from "vitest";
import { migrateDatabase, openDatabase, type Database } from "@/server/db/database";
import { createScratchDatabase } from "./postgres";

export type DatabaseKind = "pglite" | "postgres";

export interface TestDatabase {
  kind: DatabaseKind;
  database: Database;
  /** Closes the connection and removes the data. */
  destroy(): Promise<void>;
  /** For PostgreSQL: the URL, so a test can open a second connection (another "process"). */
  url?: string;
}

/** `migrate: false` leaves the database empty, for tests of the migrator itself. */
export async function createTestDatabase(kind: DatabaseKind, opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const migrate = opts.migrate ?? true;
  if (kind === "pglite") {
    // Migrated suites start from the run's migrated template (global-setup.ts): no initdb each.
    const template = migrate ? new Blob([await readFile(inject("pgliteTemplate"))]) : undefined;
    const database = await openDatabase({ kind: "pglite", dataDir: null, ...(template ? { template } : {}) });
    if (migrate) await migrateDatabase(database);
    return { kind, database, destroy: () => database.close() };
  }
  const scratch = await createScratchDatabase();
  const database = await openDatabase({ kind: "postgres", url: scratch.url });
  if (migrate) await migrateDatabase(database);
  return {
    kind,
    database,
    url: scratch.url,
    async destroy() {
      await database.close();
      await scratch.drop();
    },
  };
}

/** `describe` once per database kind; PostgreSQL variants are skipped (visibly) when unreachable. */
export function describeEachDatabase(name: string, fn: (kind: DatabaseKind) => void): void {
  describe(`${name} [pglite]`, () => fn("pglite"));
  const pgAvailable = inject("postgres");
  (pgAvailable ? describe : describe.skip)(`${name} [postgres]`, () => fn("postgres"));
}
