// Opens the metadata database: PGlite (embedded, default) or a PostgreSQL server, behind one
// Prisma client, and brings its schema up to date. Nothing above this module knows which it is.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "@/generated/prisma/client";
import { applyMigrations } from "./migrate";
import { registerReadSql } from "./read-sql";
import { pgliteRunner, pgPoolRunner, type SqlRunner } from "./sql-runner";

export type Db = PrismaClient;

export interface Database {
  prisma: PrismaClient;
  sql: SqlRunner;
  kind: "pglite" | "postgres";
  /** Where the data lives, for logs: a directory, "memory", or the server URL without password. */
  location: string;
  /** PGlite only: the data directory as a tarball, to start other databases from (see `template`). */
  dumpDataDir?: () => Promise<Blob>;
  close(): Promise<void>;
}

export type DatabaseConfig =
  | { kind: "postgres"; url: string }
  /**
   * `dataDir: null` keeps everything in memory (tests); `template` starts from a dumped data
   * directory (PGlite's dumpDataDir) instead of running initdb, which is slow and memory-hungry.
   */
  | { kind: "pglite"; dataDir: string | null; template?: Blob };

/**
 * Metadata is small; PostgreSQL's default 128 MB of shared buffers would only inflate the
 * process (PGlite runs inside it).
 */
const PGLITE_CONF = "shared_buffers = 16MB";

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.kind === "postgres") {
    const pool = new pg.Pool({ connectionString: config.url, max: 10 });
    // An idle client that loses its server must not crash the process.
    pool.on("error", (error) => console.error("[db] idle PostgreSQL client error:", error.message));
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    const sql = pgPoolRunner(pool);
    registerReadSql(prisma, sql);
    return {
      prisma,
      sql,
      kind: "postgres",
      location: redactUrl(config.url),
      async close() {
        await prisma.$disconnect();
        await pool.end();
      },
    };
  }
  let pglite: PGlite;
  const options = { postgresqlconf: PGLITE_CONF, ...(config.template ? { loadDataDir: config.template } : {}) };
  if (config.dataDir === null) {
    pglite = new PGlite(options);
  } else {
    const dir = path.join(config.dataDir, "pglite");
    await mkdir(dir, { recursive: true });
    pglite = new PGlite(dir, options);
  }
  await pglite.waitReady;
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  const sql = pgliteRunner(pglite);
  registerReadSql(prisma, sql);
  return {
    prisma,
    sql,
    kind: "pglite",
    location: config.dataDir === null ? "memory" : path.join(config.dataDir, "pglite"),
    dumpDataDir: () => pglite.dumpDataDir("none"),
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

export async function migrateDatabase(db: Database, migrationsDir = defaultMigrationsDir()) {
  return applyMigrations(db.sql, migrationsDir);
}

export function defaultMigrationsDir(): string {
  return path.join(process.cwd(), "prisma", "migrations");
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparseable url)";
  }
}
