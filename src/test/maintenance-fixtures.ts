// Fixtures for the maintenance procedures (runs.retry, ingestions.refresh/delete, files.*) over a
// maintenance world (world.ts): feeds over landing directories of their own whose files have
// distinct, increasing modification times, snapshots to compare before and after, a refresh held
// in its guard, and a run killed mid-way.
import { mkdir, rename } from "node:fs/promises";
import path from "node:path";
import { vi } from "vitest";
import type { CreateIngestionDraft } from "@/shared/contracts/ingestions";
import { runPipeline } from "@/server/runs/pipeline";
import { triggerRun } from "@/server/services/runs/trigger-run";
import { makeIngestion, writeFiles } from "./run-fixtures";
import { ledgerCounts, rowsPerSourceFile, setModified } from "./run-inspection";
import { recordingLauncher, type MaintenanceWorld, type RunWorld } from "./world";

export interface Feed {
  ing: Awaited<ReturnType<typeof makeIngestion>>;
  landing: string;
  /** schema.table of the destination. */
  table: string;
  /** The `_source_file` of a relative path. */
  uri(rel: string): string;
  /** Writes files, each modified later than every file written before (the order runs claim in). */
  add(files: Record<string, string>): Promise<void>;
  /** Destination rows per relative source path ({} when the table does not exist). */
  rows(): Promise<Record<string, number>>;
  /** Ledger entries of the ingestion: relative path → row count. */
  ledger(): Promise<Record<string, number>>;
}

const FIRST_MODIFIED = Date.parse("2026-01-01T00:00:00.000Z");
let written = 0;
let feeds = 0;

/** An ingestion over a new landing directory holding `files`, loading raw.feed_<n> unless `draft` says otherwise. */
export async function feed(
  world: RunWorld,
  files: Record<string, string> = {},
  draft: Partial<CreateIngestionDraft> = {},
  tenant: { id: string; slug: string } = world.tenant,
): Promise<Feed> {
  feeds += 1;
  const landing = path.join(world.root, `landing-${feeds}`);
  await mkdir(landing, { recursive: true });
  const add = async (more: Record<string, string>) => {
    await writeFiles(landing, more);
    for (const rel of Object.keys(more)) {
      written += 1;
      await setModified(landing, rel, new Date(FIRST_MODIFIED + written * 60_000));
    }
  };
  await add(files);
  const ing = await makeIngestion(
    { ...world, tenant },
    { name: `Feed ${feeds}`, source: { uri: landing }, destination: { schema: "raw", table: `feed_${feeds}`, partitionColumns: [] }, ...draft },
  );
  const table = `${ing.destination.schema}.${ing.destination.table}`;
  const inTenant = { ...world, tenant };
  const uri = (rel: string) => `${landing}/${rel}`;
  const relative = (counts: Record<string, number>, prefix: string) =>
    Object.fromEntries(Object.entries(counts).map(([k, v]) => [k.startsWith(prefix) ? k.slice(prefix.length) : k, v]));
  return {
    ing,
    landing,
    table,
    uri,
    add,
    rows: async () => relative(await rowsPerSourceFile(inTenant, table), `${landing}/`),
    ledger: () => ledgerCounts(inTenant, ing.id),
  };
}

/** What a run attempted, from its FileAttempt rows: relative path → outcome and rows. */
export async function attemptsOf(world: RunWorld, runId: string): Promise<Record<string, { outcome: string; rowCount: number | null }>> {
  const rows = await world.deps.db.fileAttempt.findMany({
    where: { runId },
    select: { outcome: true, rowCount: true, file: { select: { path: true } } },
    orderBy: { file: { path: "asc" } },
  });
  return Object.fromEntries(
    rows.map((a) => [a.file.path, { outcome: a.outcome, rowCount: a.rowCount === null ? null : Number(a.rowCount) }]),
  );
}

/** Whether schema.table exists in the tenant's warehouse. */
export async function tableExists(world: RunWorld, table: string, tenantKey = world.tenant.slug): Promise<boolean> {
  const [schema, name] = table.split(".");
  return world.deps.engine.warehouse.withConnection(tenantKey, async (c) => {
    const r = await c.runAndReadAll(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = '${schema}' AND table_name = '${name}'`,
    );
    return Number((r.getRowObjectsJson()[0] as { n: string }).n) === 1;
  });
}

/**
 * Everything maintenance could change for one ingestion, for before/after comparisons: the
 * destination's rows, its ledger entries, its file history with attempts, and its runs.
 */
export async function snapshot(world: RunWorld, f: Feed) {
  const rows = (await tableExists(world, f.table))
    ? await world.deps.engine.warehouse.withConnection(world.tenant.slug, async (c) => {
        const r = await c.runAndReadAll(`SELECT * FROM ${f.table} ORDER BY ALL`);
        return r.getRowObjectsJson();
      })
    : null;
  return {
    rows,
    ledger: await world.deps.engine.warehouse.withConnection(world.tenant.slug, async (c) => {
      const r = await c.runAndReadAll(`SELECT * FROM _autoloader.loaded_files WHERE ingestion_id = '${f.ing.id}' ORDER BY path`);
      return r.getRowObjectsJson();
    }),
    files: await world.deps.db.processedFile.findMany({ where: { ingestionId: f.ing.id }, orderBy: { path: "asc" }, include: { attempts: true } }),
    runs: await world.deps.db.run.findMany({ where: { ingestionId: f.ing.id }, orderBy: { id: "asc" } }),
  };
}

/** Removes the directory, so the source cannot be listed; returns a function putting it back. */
export async function hideDirectory(dir: string): Promise<() => Promise<void>> {
  const aside = `${dir}.aside`;
  await rename(dir, aside);
  return () => rename(aside, dir);
}

/**
 * Loads the feed once, then starts a refresh and holds it inside its guard (at the listing for
 * its plan): the ingestion is busy until `release`, after which `refreshing` settles.
 */
export async function loadThenHoldRefresh(w: MaintenanceWorld, f: Feed, mode: "FULL" | "NEW_ONLY") {
  const { runId: loaded } = await w.api.runs.trigger({ ingestionId: f.ing.id });
  await w.executor.idle();
  const gate = w.gates.hold(f.ing.source.uri);
  const refreshing = w.api.ingestions.refresh({ id: f.ing.id, mode, confirm: true });
  await gate.entered;
  return { loaded, refreshing, release: () => gate.release() };
}

/**
 * Starts a run as a scheduled trigger would and executes its steps in this process until the
 * process "dies": an error thrown by a step (a crash hook), or the step named `killBefore` about
 * to start. Nothing is cleaned up after it, exactly as after a SIGKILL: the run stays active with
 * its heartbeat, its claims and whatever the warehouse committed. Returns the run id.
 */
export async function runUntilKilled(world: RunWorld, ingestionId: string, opts: { killBefore?: string } = {}): Promise<string> {
  const { runId } = await triggerRun({ ...world.deps, runs: recordingLauncher() }, world.tenant.id, ingestionId, { trigger: "SCHEDULE" });
  const died = new Error("killed");
  const outcome = await runPipeline(
    { run: async (id, fn) => (id === opts.killBefore ? Promise.reject(died) : fn()) },
    world.deps,
    runId,
  ).then(
    () => null,
    (error: unknown) => error,
  );
  if (outcome === null) throw new Error(`runUntilKilled: run ${runId} finished; nothing killed it`);
  return runId;
}

/**
 * The next use of the world's warehouse fails with `message`, once, as a locked or unreadable
 * DuckDB file makes it fail (say, the ledger read of a run being ended); later uses work.
 */
export function failNextWarehouseUse(world: RunWorld, message: string): void {
  vi.spyOn(world.deps.engine.warehouse, "withConnection").mockRejectedValueOnce(new Error(message));
}
