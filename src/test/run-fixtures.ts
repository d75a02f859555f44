// Fixtures for run tests (the world itself comes from world.ts): files in a world's root, an
// ingestion over them, and ways to read the destination table and its ledger.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { CreateIngestionDraft } from "@/shared/contracts/ingestions";
import { createIngestionInput } from "@/shared/contracts/ingestions";
import type { Warehouse } from "@/server/engine/destinations/duckdb/warehouse";
import { createIngestion } from "@/server/services/ingestions/create-ingestion";
import { filesSource, FILES } from "./connection-fixtures";
import type { RunWorld } from "./world";

export async function writeFiles(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(dir, rel);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, content);
  }
}

export const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

/** A test shorthand: a directory under the world's root, read through its "files" connection. */
export type DirSource = { uri: string; glob?: string; modifiedAfter?: Date | string | null };

export async function makeIngestion(
  world: RunWorld,
  draft: Partial<Omit<CreateIngestionDraft, "source">> & { source?: CreateIngestionDraft["source"] | DirSource } = {},
) {
  const source = draft.source ?? { connection: FILES, path: "landing" };
  const input = createIngestionInput.parse({
    name: draft.name ?? `ing-${Math.random().toString(36).slice(2, 8)}`,
    source: "uri" in source ? (({ uri, ...rest }) => filesSource(world.root, uri, rest))(source) : source,
    format: draft.format ?? { type: "JSON" },
    destination: draft.destination ?? { schema: "raw", table: `t_${Math.random().toString(36).slice(2, 8)}` },
    ...(draft.schemaPolicy ? { schemaPolicy: draft.schemaPolicy } : {}),
    ...(draft.limits ? { limits: draft.limits } : {}),
    ...(draft.listing ? { listing: draft.listing } : {}),
  });
  return createIngestion(world.deps, world.tenant.id, input);
}

/** Rows of a destination table (system columns included), ordered for stable assertions. */
export async function tableRows(warehouse: Warehouse, tenantKey: string, table: string, orderBy = "1") {
  return warehouse.withConnection(tenantKey, async (c) => {
    const r = await c.runAndReadAll(`SELECT * FROM ${table} ORDER BY ${orderBy}`);
    return r.getRowObjectsJson();
  });
}

export async function ledgerPaths(warehouse: Warehouse, tenantKey: string, ingestionId: string): Promise<string[]> {
  return warehouse.withConnection(tenantKey, async (c) => {
    const r = await c.runAndReadAll(
      `SELECT path FROM _autoloader.loaded_files WHERE ingestion_id = '${ingestionId}' ORDER BY path`,
    );
    return (r.getRowObjectsJson() as { path: string }[]).map((x) => x.path);
  });
}
