// For tests of one migration on real databases: the database as it was just before it.
import { cp, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { defaultMigrationsDir } from "@/server/db/database";
import { applyMigrations } from "@/server/db/migrate";
import type { TestDatabase } from "./world";

/** Applies every committed migration before the one named `*_<name>` (copied into `scratch`); throws if there is no such migration. */
export async function migrateUpTo(t: TestDatabase, scratch: string, name: string): Promise<void> {
  const before = path.join(scratch, "before");
  await cp(defaultMigrationsDir(), before, { recursive: true });
  const names = (await readdir(before, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const index = names.findIndex((n) => n.endsWith(`_${name}`));
  if (index < 1) throw new Error(`No migration *_${name} after the first one in ${defaultMigrationsDir()}`);
  for (const n of names.slice(index)) await rm(path.join(before, n), { recursive: true });
  await applyMigrations(t.database.sql, before);
}
