// Prisma's schema engine compiled to WebAssembly, for work that must run offline: turning
// prisma/schema.prisma into migration SQL and checking committed migrations for drift.
// Development and test tooling only; the app applies migrations with ./migrate.ts.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm";
import type * as EngineGlue from "@prisma/schema-engine-wasm/schema_engine_bg";
import { readMigrations } from "./migrations";

type Glue = typeof EngineGlue & {
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
};

let engineClass: Promise<typeof SchemaEngine> | undefined;

async function loadEngineClass(): Promise<typeof SchemaEngine> {
  const g = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(m: string): void } };
  // The glue reports panics through this registry; without it a panic surfaces as a TypeError.
  g.PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message(message: string) {
      throw new Error(`Prisma schema engine panicked: ${message}`);
    },
  };
  const glue = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as Glue;
  const require = createRequire(import.meta.url);
  const wasmPath = path.join(
    path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg")),
    "schema_engine_bg.wasm",
  );
  const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), {
    "./schema_engine_bg.js": glue as unknown as WebAssembly.ModuleImports,
  });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return glue.SchemaEngine;
}

export interface OfflineSchemaEngine {
  /** SQL that takes a database from the committed migrations to the schema; "" when none is needed. */
  diffMigrationsToSchema(): Promise<string>;
  close(): Promise<void>;
}

export async function openSchemaEngine(root: string): Promise<OfflineSchemaEngine> {
  engineClass ??= loadEngineClass();
  const Engine = await engineClass;
  const schemaPath = path.join(root, "prisma", "schema.prisma");
  const schemaText = await readFile(schemaPath, "utf8");
  // An in-memory PGlite is both the main and the shadow database: nothing persists.
  const pglite = new PGlite();
  const factory = bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(pglite));
  const engine = await Engine.new(
    { datamodels: [[schemaPath, schemaText]] },
    () => {},
    factory,
  );
  const filters = { externalTables: [], externalEnums: [] };
  return {
    async diffMigrationsToSchema() {
      const migrationsList = await migrationList(root);
      const result = await engine.diff({
        from: { tag: "migrations", ...migrationsList },
        to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: schemaText }] },
        script: true,
        exitCode: null,
        filters,
      });
      const sql = result.stdout ?? "";
      return /^\s*(--[^\n]*\n?\s*)*$/.test(sql) ? "" : sql;
    },
    async close() {
      engine.free();
      await pglite.close();
    },
  };
}

async function migrationList(root: string): Promise<MigrationList> {
  const baseDir = path.join(root, "prisma", "migrations");
  const migrations = await readMigrations(baseDir);
  return {
    baseDir,
    shadowDbInitScript: "",
    lockfile: {
      path: "migration_lock.toml",
      content: await readFile(path.join(baseDir, "migration_lock.toml"), "utf8").catch(() => null),
    },
    migrationDirectories: migrations.map((m) => ({
      path: m.name,
      migrationFile: { path: "migration.sql", content: { tag: "ok", value: m.sql } },
    })),
  } as MigrationList;
}
