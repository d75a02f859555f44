// Reading what a run left behind, for run tests: the run row, the file history, and the
// destination table's rows counted per source file.
import { utimes } from "node:fs/promises";
import path from "node:path";
import { triggerRun } from "@/server/services/runs/trigger-run";
import type { RunWorld } from "./world";

/** Triggers a run like the API does and waits until the direct executor has finished it. */
export async function runToEnd(world: RunWorld, ingestionId: string) {
  const { runId } = await triggerRun(world.deps, world.tenant.id, ingestionId);
  await world.executor.idle();
  return world.deps.db.run.findUniqueOrThrow({ where: { id: runId } });
}

export type RunRow = Awaited<ReturnType<typeof runToEnd>>;

export interface FileState {
  status: string;
  rowCount: number | null;
  retryCount: number;
  error: string | null;
  runId: string | null;
}

/** The ingestion's file history by relative path. */
export async function fileStates(world: RunWorld, ingestionId: string): Promise<Record<string, FileState>> {
  const rows = await world.deps.db.processedFile.findMany({
    where: { ingestionId },
    orderBy: { path: "asc" },
    select: { path: true, status: true, rowCount: true, retryCount: true, error: true, runId: true },
  });
  return Object.fromEntries(
    rows.map((r) => [
      r.path,
      { status: r.status, rowCount: r.rowCount === null ? null : Number(r.rowCount), retryCount: r.retryCount, error: r.error, runId: r.runId },
    ]),
  );
}

/** Just the statuses, by path. */
export async function fileStatuses(world: RunWorld, ingestionId: string): Promise<Record<string, string>> {
  const states = await fileStates(world, ingestionId);
  return Object.fromEntries(Object.entries(states).map(([p, s]) => [p, s.status]));
}

/** Rows of a destination table counted per `_source_file` ({} when the table does not exist yet). */
export async function rowsPerSourceFile(world: RunWorld, table: string): Promise<Record<string, number>> {
  return world.deps.engine.warehouse.withConnection(world.tenant.slug, async (c) => {
    const [schema, name] = table.split(".");
    const exists = await c.runAndReadAll(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = '${schema}' AND table_name = '${name}'`,
    );
    if (Number((exists.getRowObjectsJson()[0] as { n: string }).n) === 0) return {};
    const r = await c.runAndReadAll(`SELECT _source_file AS f, count(*) AS n FROM ${table} GROUP BY 1 ORDER BY 1`);
    return Object.fromEntries((r.getRowObjectsJson() as { f: string; n: string }[]).map((x) => [x.f, Number(x.n)]));
  });
}

/** Ledger rows of an ingestion: path → row count. */
export async function ledgerCounts(world: RunWorld, ingestionId: string): Promise<Record<string, number>> {
  return world.deps.engine.warehouse.withConnection(world.tenant.slug, async (c) => {
    const r = await c.runAndReadAll(
      `SELECT path, row_count FROM _autoloader.loaded_files WHERE ingestion_id = '${ingestionId}' ORDER BY path`,
    );
    return Object.fromEntries((r.getRowObjectsJson() as { path: string; row_count: string }[]).map((x) => [x.path, Number(x.row_count)]));
  });
}

/** Sets a file's modification time (the order runs claim files in). */
export async function setModified(dir: string, rel: string, at: Date): Promise<void> {
  await utimes(path.join(dir, rel), at, at);
}
