// Applies committed migrations at start, offline, and records them in `_prisma_migrations` exactly
// as `prisma migrate deploy` does, so either tool can take over a database the other began.
import { randomUUID } from "node:crypto";
import type { SqlRunner } from "./sql-runner";
import { readMigrations } from "./migrations";

// Any constant works; it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK_KEY = 72_707_369;

const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {
  override name = "MigrationError";
}

export async function applyMigrations(
  sql: SqlRunner,
  migrationsDir: string,
): Promise<{ applied: string[] }> {
  const migrations = await readMigrations(migrationsDir);
  return sql.withSession(async (session) => {
    // Serialises concurrent starts against one PostgreSQL server; a no-op cost on PGlite.
    await session.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await session.exec(CREATE_TABLE);
      const rows = await session.query<{
        migration_name: string;
        checksum: string;
        finished_at: Date | null;
        rolled_back_at: Date | null;
      }>(`SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`);
      const known = new Map(rows.filter((r) => r.rolled_back_at === null).map((r) => [r.migration_name, r]));
      for (const row of known.values()) {
        if (row.finished_at === null) {
          throw new MigrationError(
            `Migration ${row.migration_name} started but did not finish; repair the database before starting Autoloader`,
          );
        }
      }
      const applied: string[] = [];
      for (const m of migrations) {
        const done = known.get(m.name);
        if (done) {
          if (done.checksum !== m.checksum) {
            throw new MigrationError(
              `Migration ${m.name} was changed after it was applied (checksum differs); add a new migration instead`,
            );
          }
          continue;
        }
        await session.exec("BEGIN");
        try {
          await session.exec(m.sql);
          await session.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
             VALUES ($1, $2, now(), $3, 1)`,
            [randomUUID(), m.checksum, m.name],
          );
          await session.exec("COMMIT");
        } catch (error) {
          await session.exec("ROLLBACK");
          throw new MigrationError(`Migration ${m.name} failed: ${(error as Error).message}`, { cause: error });
        }
        applied.push(m.name);
      }
      return { applied };
    } finally {
      await session.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  });
}
