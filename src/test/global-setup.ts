// Decides once per test run whether the PostgreSQL variants run, and says so.
import { rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { migrateDatabase, openDatabase } from "@/server/db/database";
import { postgresReachable, postgresRequired, TEST_POSTGRES_URL } from "./postgres";

/**
 * initdb is the slow, memory-hungry part of a new PGlite (seconds, ~800 MB): do it once per test
 * run, migrate, and let every suite start from a copy of that data directory.
 */
async function makePgliteTemplate(): Promise<string> {
  const database = await openDatabase({ kind: "pglite", dataDir: null });
  try {
    await migrateDatabase(database);
    if (!database.dumpDataDir) throw new Error("the PGlite database cannot dump its data directory");
    const file = path.join(os.tmpdir(), `autoloader-pglite-template-${process.pid}.tar`);
    await writeFile(file, Buffer.from(await (await database.dumpDataDir()).arrayBuffer()));
    return file;
  } finally {
    await database.close();
  }
}

export default async function setup({
  provide,
}: {
  provide: ((key: "postgres", value: boolean) => void) & ((key: "pgliteTemplate", value: string) => void);
}) {
  const template = await makePgliteTemplate();
  provide("pgliteTemplate", template);
  const reachable = await postgresReachable();
  if (!reachable && postgresRequired()) {
    throw new Error(
      `PostgreSQL is required (AUTOLOADER_REQUIRE_POSTGRES=1) but ${TEST_POSTGRES_URL} is unreachable`,
    );
  }
  if (!reachable) {
    console.warn(
      `\n[tests] NOTICE: PostgreSQL at ${TEST_POSTGRES_URL} is unreachable: the PostgreSQL variants are SKIPPED; PGlite variants run.\n`,
    );
  }
  provide("postgres", reachable);
  // The run's template goes with the run (each run left ≈ 10 MB in the temp directory).
  return () => rm(template, { force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    postgres: boolean;
    /** A migrated PGlite data directory (tar) that suites start from. */
    pgliteTemplate: string;
  }
}
