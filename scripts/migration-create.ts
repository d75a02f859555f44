// Writes the SQL migration that takes the committed migrations to prisma/schema.prisma, offline.
// Usage: npm run migration:create -- add_run_estimates
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { openSchemaEngine } from "../src/server/db/schema-engine";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("Usage: npm run migration:create -- <name in snake_case>");
  process.exit(2);
}
const root = process.cwd();
const engine = await openSchemaEngine(root);
try {
  const sql = await engine.diffMigrationsToSchema();
  if (sql === "") {
    console.log("prisma/schema.prisma matches the committed migrations: nothing to write.");
  } else {
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const dir = path.join(root, "prisma", "migrations", `${stamp}_${name}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "migration.sql"), sql);
    console.log(`Wrote ${path.relative(root, dir)}/migration.sql`);
  }
} finally {
  await engine.close();
}
// The engine keeps a timer alive; the script is done.
process.exit(0);
