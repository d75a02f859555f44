// A destination table belongs to one ingestion. Through the tRPC caller on PGlite and PostgreSQL,
// with real DuckDB warehouse files and local landing directories: creating on (or moving to) a
// table that exists is refused unless adopted; adoption takes over the table's ledger and rebuilds
// the file history, so nothing loads twice; reprocess, clear and refresh after an adoption or a
// move act on the current table and remove only the ingestion's own rows; a crash between the
// adoption's warehouse and metadata steps loses nothing and loads nothing twice.
import { mkdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { expect, it } from "vitest";
import { ensureTenant } from "@/server/services/auth/tenants";
import { callerAs, createTestKey, rejectionOf, zodIssuesOf } from "@/test/api-callers";
import { createLocalConnection, filesSource, FILES } from "@/test/connection-fixtures";
import { writeFirstLayoutWarehouse } from "@/test/duckdb-files";
import { describeEachDatabase } from "@/test/databases";
import { hideDirectory, tableExists, useMaintenanceWorld, type MaintenanceWorld } from "@/test/maintenance-fixtures";
import { jsonl, writeFiles } from "@/test/run-fixtures";
import { rowsPerSourceFile, setModified } from "@/test/run-inspection";

const rows = (prefix: string, count: number) => jsonl(Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, v: i })));

let landings = 0;
let tables = 0;
let modified = Date.parse("2026-02-01T00:00:00.000Z");

/** A fresh table name in the world's tenant. */
const newTable = (stem: string) => `${stem}_${++tables}`;

interface Landing {
  dir: string;
  /** Writes files, each modified later than all before (the order runs claim in). */
  add(files: Record<string, string>): Promise<void>;
}

async function landing(w: MaintenanceWorld, files: Record<string, string>): Promise<Landing> {
  const dir = path.join(w.root, `shared-landing-${++landings}`);
  const add = async (more: Record<string, string>) => {
    await writeFiles(dir, more);
    for (const rel of Object.keys(more)) {
      modified += 60_000;
      await setModified(dir, rel, new Date(modified));
    }
  };
  await add(files);
  return { dir, add };
}

/** Create input over `dir` (under the world's root, read through its "files" connection). */
function draft(w: MaintenanceWorld, name: string, dir: string, table: string, glob?: string) {
  return {
    name,
    source: filesSource(w.root, dir, glob ? { glob } : {}),
    format: { type: "JSON" as const },
    destination: { schema: "raw", table },
  };
}

async function runOnce(w: MaintenanceWorld, ingestionId: string) {
  const { runId } = await w.api.runs.trigger({ ingestionId });
  await w.executor.idle();
  return w.db.run.findUniqueOrThrow({ where: { id: runId } });
}

/** Rows of raw.<table> per `_source_file`, relative to `dir` when under it. */
async function rowsOf(w: MaintenanceWorld, table: string, dir?: string): Promise<Record<string, number>> {
  const counts = await rowsPerSourceFile(w, `raw.${table}`);
  if (!dir) return counts;
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k.startsWith(`${dir}/`) ? k.slice(dir.length + 1) : k, v]));
}

/** Every ledger row of raw.<table>: "ingestion id path" → row count. */
async function tableLedger(w: MaintenanceWorld, table: string): Promise<Record<string, number>> {
  return w.deps.engine.warehouse.withConnection(w.tenant.slug, async (c) => {
    const r = await c.runAndReadAll(
      `SELECT ingestion_id, path, row_count FROM _autoloader.loaded_files
       WHERE table_schema = 'raw' AND table_name = '${table}' ORDER BY ALL`,
    );
    return Object.fromEntries(
      (r.getRowObjectsJson() as { ingestion_id: string; path: string; row_count: string }[]).map((x) => [
        `${x.ingestion_id} ${x.path}`,
        Number(x.row_count),
      ]),
    );
  });
}

/** The file history through files.list: path → status, rows and size. */
async function history(w: MaintenanceWorld, ingestionId: string) {
  const { items } = await w.api.files.list({ ingestionId, limit: 200 });
  return Object.fromEntries(
    items.map((f) => [f.path, { status: f.status, rowCount: f.rowCount, size: f.size }]).sort(([a], [b]) => String(a).localeCompare(String(b))),
  );
}

const sizeOf = async (dir: string, rel: string) => (await stat(path.join(dir, rel))).size;

/** Every ledger row of the tenant, all columns but the times: ingestion, table, path, source file, run, rows. */
async function wholeLedger(w: MaintenanceWorld) {
  return w.deps.engine.warehouse.withConnection(w.tenant.slug, async (c) => {
    const r = await c.runAndReadAll(
      "SELECT ingestion_id, table_schema, table_name, path, source_file, run_id, row_count FROM _autoloader.loaded_files ORDER BY ALL",
    );
    return r.getRowObjectsJson();
  });
}

/** `id` values that occur more than once in raw.<table>. */
async function duplicateIds(w: MaintenanceWorld, table: string): Promise<string[]> {
  return w.deps.engine.warehouse.withConnection(w.tenant.slug, async (c) => {
    const r = await c.runAndReadAll(`SELECT id FROM raw.${table} GROUP BY id HAVING count(*) > 1 ORDER BY id`);
    return (r.getRowObjectsJson() as { id: string }[]).map((x) => x.id);
  });
}

/** A tenant of the world's database whose warehouse file nothing has opened yet, with an admin caller. */
async function freshTenant(w: MaintenanceWorld, stem: string): Promise<MaintenanceWorld> {
  const t = await ensureTenant(w.deps, `${stem}-${Math.random().toString(36).slice(2, 10)}`);
  const admin = await createTestKey(w.deps, t.id, `${t.slug} admin`, true);
  // It reads the world's root through a "files" connection of its own, as the world's tenant does.
  await createLocalConnection(w.deps, t.id, FILES, w.root);
  return { ...w, tenant: { id: t.id, slug: t.slug }, api: callerAs(w.deps, admin.auth).caller };
}

/** Rows as a load writes them: `id`, `v` and `_source_file`, for a table made outside Autoloader's loads. */
const tableRows = (byFile: Record<string, { prefix: string; count: number }>) =>
  Object.entries(byFile)
    .flatMap(([file, { prefix, count }]) => Array.from({ length: count }, (_, i) => `('${prefix}-${i}', ${i}, '${file}')`))
    .join(", ");

describeEachDatabase("destination tables that already exist", (kind) => {
  const suite = useMaintenanceWorld({ kind });

  it("create on the table a deleted ingestion kept is refused, naming the table, its rows and its ledger; nothing changes", async () => {
    const w = suite.world;
    const table = newTable("kept");
    const l = await landing(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 3) });
    const first = await w.api.ingestions.create(draft(w, "first owner", l.dir, table));
    expect(await runOnce(w, first.id)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 2 });
    await w.api.ingestions.delete({ id: first.id });
    const before = { rows: await rowsOf(w, table, l.dir), ledger: await tableLedger(w, table) };
    expect(before).toEqual({ rows: { "a.jsonl": 2, "b.jsonl": 3 }, ledger: { [`${first.id} a.jsonl`]: 2, [`${first.id} b.jsonl`]: 3 } });

    for (const adoptExistingTable of [undefined, false]) {
      const refused = await rejectionOf(
        w.api.ingestions.create({ ...draft(w, "second owner", l.dir, table), ...(adoptExistingTable === false ? { adoptExistingTable } : {}) }),
      );
      expect([refused.code, refused.message]).toEqual([
        "CONFLICT",
        `Table raw.${table} already exists with 5 rows (loaded by a deleted ingestion: 2 files in its ledger); set adoptExistingTable to take it over, or choose another table`,
      ]);
      expect(refused.cause).toMatchObject({ field: "destination.table" });
    }
    const notBoolean = await rejectionOf(
      w.api.ingestions.create({ ...draft(w, "second owner", l.dir, table), adoptExistingTable: "yes" as unknown as boolean }),
    );
    expect(zodIssuesOf(notBoolean)).toEqual({ adoptExistingTable: ["adoptExistingTable must be true or false"] });
    expect(await w.db.ingestion.count({ where: { tenantId: w.tenant.id, name: "second owner" } })).toBe(0);
    expect({ rows: await rowsOf(w, table, l.dir), ledger: await tableLedger(w, table) }).toEqual(before);
  });

  it("of two simultaneous adoptions of one table exactly one goes through; the other names the new owner", async () => {
    const w = suite.world;
    const table = newTable("contested");
    const l = await landing(w, { "a.jsonl": rows("a", 2) });
    const first = await w.api.ingestions.create(draft(w, "contested before", l.dir, table));
    await runOnce(w, first.id);
    await w.api.ingestions.delete({ id: first.id });

    const outcomes = await Promise.allSettled(
      ["contender one", "contender two"].map((name) => w.api.ingestions.create({ ...draft(w, name, l.dir, table), adoptExistingTable: true })),
    );
    const won = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
    const lost = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as { code: string; message: string }] : []));
    expect([won.length, lost.length]).toEqual([1, 1]);
    const [winner] = won;
    expect(lost[0]).toMatchObject({
      code: "CONFLICT",
      message: `Destination raw.${table} is already loaded by ingestion '${winner?.name}'; choose another table`,
    });
    expect(await tableLedger(w, table)).toEqual({ [`${winner?.id} a.jsonl`]: 2 });
    expect(await runOnce(w, winner?.id ?? "")).toMatchObject({ status: "NO_NEW_FILES" });
    expect(await rowsOf(w, table, l.dir)).toEqual({ "a.jsonl": 2 });
  });

  it("adoptExistingTable rebuilds the history from the table's ledger: the next run loads only new files, each file's rows are there once", async () => {
    const w = suite.world;
    const table = newTable("adopted");
    const l = await landing(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 3), "gone.jsonl": rows("g", 1) });
    const first = await w.api.ingestions.create(draft(w, "loader before", l.dir, table));
    await runOnce(w, first.id);
    await w.api.ingestions.delete({ id: first.id });
    // Since then: one file left the source, one was rewritten, one is new.
    await rm(path.join(l.dir, "gone.jsonl"));
    await l.add({ "b.jsonl": rows("b-rewritten", 7), "c.jsonl": rows("c", 1) });

    const created = await w.api.ingestions.create({ ...draft(w, "loader after", l.dir, table), adoptExistingTable: true });
    expect(created.destinationChange).toEqual({
      message: `Adopted table raw.${table} with 6 rows: 3 files (6 rows) joined the file history and will not load again`,
      adoption: { table: `raw.${table}`, filesAdopted: 3, rowsAdopted: 6, filesLeft: 0, rowsLeft: 0 },
      previousTable: null,
    });
    expect(await w.api.ingestions.get({ id: created.id })).toMatchObject({ destination: { schema: "raw", table } });
    // Sizes from the listing (the rewritten file's new size, so it is not taken for new); the gone file's is unknown.
    expect(await history(w, created.id)).toEqual({
      "a.jsonl": { status: "SUCCESS", rowCount: 2, size: await sizeOf(l.dir, "a.jsonl") },
      "b.jsonl": { status: "SUCCESS", rowCount: 3, size: await sizeOf(l.dir, "b.jsonl") },
      "gone.jsonl": { status: "SUCCESS", rowCount: 1, size: 0 },
    });
    expect(await tableLedger(w, table)).toEqual({
      [`${created.id} a.jsonl`]: 2,
      [`${created.id} b.jsonl`]: 3,
      [`${created.id} gone.jsonl`]: 1,
    });

    expect(await runOnce(w, created.id)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1, rowsLoaded: 1n });
    expect(await rowsOf(w, table, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3, "c.jsonl": 1, "gone.jsonl": 1 });
    expect(await runOnce(w, created.id)).toMatchObject({ status: "NO_NEW_FILES" });

    // The adopted rows are the ingestion's own now: reprocessing a file replaces them, once.
    const reprocessed = await w.api.files.reprocess({ ingestionId: created.id, filter: { search: "a.jsonl" } });
    expect(reprocessed).toMatchObject({ files: 1, rowsRemoved: 2 });
    expect(await runOnce(w, created.id)).toMatchObject({ filesLoaded: 1, rowsLoaded: 2n });
    expect(await rowsOf(w, table, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3, "c.jsonl": 1, "gone.jsonl": 1 });
  });

  it("a table Autoloader did not make (no _source_file) cannot be adopted: its rows cannot be told apart by file", async () => {
    const w = suite.world;
    const table = newTable("foreign");
    await w.deps.engine.warehouse.withConnection(w.tenant.slug, async (c) => {
      await c.run("CREATE SCHEMA IF NOT EXISTS raw");
      await c.run(`CREATE TABLE raw.${table} AS SELECT range AS id FROM range(3)`);
    });
    const l = await landing(w, { "a.jsonl": rows("a", 1) });
    for (const adoptExistingTable of [false, true]) {
      const refused = await rejectionOf(w.api.ingestions.create({ ...draft(w, "over foreign", l.dir, table), adoptExistingTable }));
      expect([refused.code, refused.message]).toEqual([
        "CONFLICT",
        `Table raw.${table} already exists with 3 rows and has no _source_file column (it was not made by Autoloader), so its rows cannot be told apart by file and it cannot be adopted; choose another table`,
      ]);
      expect(refused.cause).toMatchObject({ field: "destination.table" });
    }
    expect(await w.db.ingestion.count({ where: { tenantId: w.tenant.id, name: "over foreign" } })).toBe(0);
  });

  it("adoption is refused when the source cannot be listed (its files' sizes would be unknown), changing nothing", async () => {
    const w = suite.world;
    const table = newTable("unlisted");
    const l = await landing(w, { "a.jsonl": rows("a", 2) });
    const first = await w.api.ingestions.create(draft(w, "unlisted before", l.dir, table));
    await runOnce(w, first.id);
    await w.api.ingestions.delete({ id: first.id });
    const ledger = await tableLedger(w, table);
    const putBack = await hideDirectory(l.dir);
    try {
      const refused = await rejectionOf(w.api.ingestions.create({ ...draft(w, "unlisted after", l.dir, table), adoptExistingTable: true }));
      expect(refused.code).toBe("BAD_REQUEST");
      expect(refused.message).toMatch(new RegExp(`^Cannot adopt table raw\\.${table}: the source could not be listed \\(.+\\)$`));
      expect(refused.cause).toMatchObject({ field: "source.uri" });
    } finally {
      await putBack();
    }
    expect(await tableLedger(w, table)).toEqual(ledger);
    expect(await w.db.ingestion.count({ where: { tenantId: w.tenant.id, name: "unlisted after" } })).toBe(0);
  });

  it("moving onto an existing table is refused unless adopted; a move to a new table says the old one keeps its rows", async () => {
    const w = suite.world;
    const [t1, t2, t3] = [newTable("move_from"), newTable("move_kept"), newTable("move_new")];
    const l = await landing(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 1) });
    const mover = await w.api.ingestions.create(draft(w, "mover", l.dir, t1));
    await runOnce(w, mover.id);
    const other = await w.api.ingestions.create(draft(w, "other over the same files", l.dir, t2));
    await runOnce(w, other.id);
    await w.api.ingestions.delete({ id: other.id });
    await l.add({ "c.jsonl": rows("c", 1) });

    const move = { id: mover.id, patch: { destination: { schema: "raw", table: t2 } } };
    const refused = await rejectionOf(w.api.ingestions.update(move));
    expect([refused.code, refused.message]).toEqual([
      "CONFLICT",
      `Table raw.${t2} already exists with 3 rows (loaded by a deleted ingestion: 2 files in its ledger); set adoptExistingTable to take it over, or choose another table`,
    ]);
    expect(refused.cause).toMatchObject({ field: "destination.table" });
    expect((await w.api.ingestions.get({ id: mover.id })).destination.table).toBe(t1);
    expect(await w.db.run.count({ where: { ingestionId: mover.id } })).toBe(1);

    const adopted = await w.api.ingestions.update({ ...move, adoptExistingTable: true });
    expect(adopted.destination.table).toBe(t2);
    expect(adopted.destinationChange).toEqual({
      message:
        `Moved from raw.${t1} to raw.${t2}: raw.${t1} keeps its 3 rows; the file history carries on, so files already loaded are not loaded into raw.${t2} (a FULL refresh reloads everything there). ` +
        `Adopted table raw.${t2} with 3 rows: 2 files (3 rows) joined the file history and will not load again`,
      adoption: { table: `raw.${t2}`, filesAdopted: 2, rowsAdopted: 3, filesLeft: 0, rowsLeft: 0 },
      previousTable: { name: `raw.${t1}`, exists: true, rows: 3 },
    });
    expect(await runOnce(w, mover.id)).toMatchObject({ filesLoaded: 1 });
    expect(await rowsOf(w, t2, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 1, "c.jsonl": 1 });
    expect(await rowsOf(w, t1, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 1 });

    const moved = await w.api.ingestions.update({ id: mover.id, patch: { destination: { schema: "raw", table: t3 } } });
    expect(moved.destinationChange).toEqual({
      message: `Moved from raw.${t2} to raw.${t3}: raw.${t2} keeps its 4 rows; the file history carries on, so files already loaded are not loaded into raw.${t3} (a FULL refresh reloads everything there)`,
      adoption: null,
      previousTable: { name: `raw.${t2}`, exists: true, rows: 4 },
    });
    await l.add({ "d.jsonl": rows("d", 1) });
    expect(await runOnce(w, mover.id)).toMatchObject({ filesLoaded: 1 });
    expect(await rowsOf(w, t3, l.dir)).toEqual({ "d.jsonl": 1 });
    // A FULL refresh reloads everything into the current table only.
    await w.api.ingestions.refresh({ id: mover.id, mode: "FULL", confirm: true });
    expect(await runOnce(w, mover.id)).toMatchObject({ filesLoaded: 4 });
    expect(await rowsOf(w, t3, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 1, "c.jsonl": 1, "d.jsonl": 1 });
    expect(await rowsOf(w, t2, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 1, "c.jsonl": 1 });
    expect(await rowsOf(w, t1, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 1 });
    // Delete with its table drops the current table; the ones it left stay.
    await w.api.ingestions.delete({ id: mover.id, dropTable: true });
    expect([await tableExists(w, `raw.${t3}`), await tableExists(w, `raw.${t2}`), await tableExists(w, `raw.${t1}`)]).toEqual([false, true, true]);
  });

  it("reprocess, clear and refresh after an adoption or a move never remove rows another ingestion loaded", async () => {
    const w = suite.world;
    const [shared, zNew, yOwn] = [newTable("shared"), newTable("z_moved"), newTable("y_own")];
    // One landing directory; Z reads its sub/ directory, X and Y its top level (*.jsonl).
    const l = await landing(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 3), "sub/z.jsonl": rows("z", 4) });
    const z = await w.api.ingestions.create(draft(w, "Z", path.join(l.dir, "sub"), shared));
    await runOnce(w, z.id);
    expect(await rowsOf(w, shared, l.dir)).toEqual({ "sub/z.jsonl": 4 });
    const zMoved = await w.api.ingestions.update({ id: z.id, patch: { destination: { schema: "raw", table: zNew } } });
    expect(zMoved.destinationChange?.previousTable).toEqual({ name: `raw.${shared}`, exists: true, rows: 4 });

    const refused = await rejectionOf(w.api.ingestions.create(draft(w, "X", l.dir, shared, "*.jsonl")));
    expect(refused.message).toBe(
      `Table raw.${shared} already exists with 4 rows (loaded by ingestion 'Z': 1 file in its ledger); set adoptExistingTable to take it over, or choose another table`,
    );
    const x = await w.api.ingestions.create({ ...draft(w, "X", l.dir, shared, "*.jsonl"), adoptExistingTable: true });
    expect(x.destinationChange).toEqual({
      message:
        `Adopted table raw.${shared} with 4 rows: none of its files lie under this ingestion's source and glob, so its history starts empty; ` +
        "4 other rows (1 file this ingestion does not read) stay in the table untouched",
      adoption: { table: `raw.${shared}`, filesAdopted: 0, rowsAdopted: 0, filesLeft: 1, rowsLeft: 4 },
      previousTable: null,
    });
    await runOnce(w, x.id);
    const full = { "a.jsonl": 2, "b.jsonl": 3, "sub/z.jsonl": 4 };
    expect(await rowsOf(w, shared, l.dir)).toEqual(full);
    const y = await w.api.ingestions.create(draft(w, "Y", l.dir, yOwn, "*.jsonl"));
    await runOnce(w, y.id);
    expect(await rowsOf(w, yOwn, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3 });

    // X's reprocess and clear remove X's rows only: Z's stay, Y's table is untouched.
    expect(await w.api.files.reprocess({ ingestionId: x.id, filter: { search: ".jsonl" } })).toMatchObject({ files: 2, rowsRemoved: 5 });
    expect(await rowsOf(w, shared, l.dir)).toEqual({ "sub/z.jsonl": 4 });
    await runOnce(w, x.id);
    expect(await rowsOf(w, shared, l.dir)).toEqual(full);
    expect(await w.api.files.clear({ ingestionId: x.id, confirm: true })).toMatchObject({ filesForgotten: 2, rowsRemoved: 5 });
    expect(await rowsOf(w, shared, l.dir)).toEqual({ "sub/z.jsonl": 4 });
    await runOnce(w, x.id);
    expect(await rowsOf(w, shared, l.dir)).toEqual(full);
    expect(await rowsOf(w, yOwn, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3 });

    // Z moved away: its reprocess acts on its current table, which holds none of z.jsonl's rows yet.
    expect(await w.api.files.reprocess({ ingestionId: z.id, filter: { search: "z.jsonl" } })).toMatchObject({ files: 1, rowsRemoved: 0 });
    await runOnce(w, z.id);
    expect(await rowsOf(w, zNew, l.dir)).toEqual({ "sub/z.jsonl": 4 });
    expect(await rowsOf(w, shared, l.dir)).toEqual(full);

    // X goes, keeping the table; Y (same files) moves onto it and adopts X's rows, not Z's.
    await w.api.ingestions.delete({ id: x.id });
    const yMoved = await w.api.ingestions.update({ id: y.id, patch: { destination: { schema: "raw", table: shared } }, adoptExistingTable: true });
    expect(yMoved.destinationChange?.adoption).toEqual({ table: `raw.${shared}`, filesAdopted: 2, rowsAdopted: 5, filesLeft: 1, rowsLeft: 4 });
    expect(await tableLedger(w, shared)).toEqual({ [`${y.id} a.jsonl`]: 2, [`${y.id} b.jsonl`]: 3, [`${z.id} z.jsonl`]: 4 });
    expect(await w.api.files.reprocess({ ingestionId: y.id, filter: { search: "a.jsonl" } })).toMatchObject({ files: 1, rowsRemoved: 2 });
    expect(await runOnce(w, y.id)).toMatchObject({ filesLoaded: 1, rowsLoaded: 2n });
    expect(await rowsOf(w, shared, l.dir)).toEqual(full);
    expect(await rowsOf(w, yOwn, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3 });
    // A NEW_ONLY refresh drops the current table (Z's leftover rows with it, as the plan says) and nothing else.
    const refresh = await w.api.ingestions.refresh({ id: y.id, mode: "NEW_ONLY", dryRun: true });
    expect(refresh.plan.table).toEqual({ name: `raw.${shared}`, exists: true, rows: 9 });
    expect(await rowsOf(w, zNew, l.dir)).toEqual({ "sub/z.jsonl": 4 });
  });

  it("a crash between the adoption's warehouse and metadata steps loses nothing and loads nothing twice", async () => {
    const w = suite.world;
    const table = newTable("crash");
    const l = await landing(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 3) });
    const first = await w.api.ingestions.create(draft(w, "crash before", l.dir, table));
    await runOnce(w, first.id);
    await w.api.ingestions.delete({ id: first.id });

    w.deps.engine.hooks = {
      afterAdoptionCommit: () => {
        throw new Error("injected crash after the adoption's warehouse commit");
      },
    };
    try {
      const crashed = await rejectionOf(w.api.ingestions.create({ ...draft(w, "crash after", l.dir, table), adoptExistingTable: true }));
      expect(crashed.message).toBe("injected crash after the adoption's warehouse commit");
    } finally {
      delete w.deps.engine.hooks;
    }
    // No ingestion; the table as it was; its ledger (re-keyed to an id no ingestion has) still names every file.
    expect(await w.db.ingestion.count({ where: { tenantId: w.tenant.id, name: "crash after" } })).toBe(0);
    expect(await rowsOf(w, table, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3 });
    const orphaned = await tableLedger(w, table);
    expect(Object.values(orphaned).sort()).toEqual([2, 3]);
    const owners = new Set(Object.keys(orphaned).map((k) => k.split(" ")[0] ?? ""));
    expect(await w.db.ingestion.count({ where: { id: { in: [...owners] } } })).toBe(0);

    // Trying again completes the adoption; the next run loads only the new file.
    await l.add({ "c.jsonl": rows("c", 1) });
    const again = await w.api.ingestions.create({ ...draft(w, "crash after", l.dir, table), adoptExistingTable: true });
    expect(again.destinationChange?.adoption).toMatchObject({ filesAdopted: 2, rowsAdopted: 5 });
    expect(await runOnce(w, again.id)).toMatchObject({ filesLoaded: 1, rowsLoaded: 1n });
    expect(await rowsOf(w, table, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3, "c.jsonl": 1 });

    // The same for a move: after the crash the ingestion still loads its old table, and the retry moves it.
    const target = newTable("crash_target");
    const m = await landing(w, { "m.jsonl": rows("m", 2) });
    const before = await w.api.ingestions.create(draft(w, "move crash before", m.dir, target));
    await runOnce(w, before.id);
    await w.api.ingestions.delete({ id: before.id });
    const mover = await w.api.ingestions.create(draft(w, "move crash mover", m.dir, newTable("crash_source")));
    await runOnce(w, mover.id);
    const moverHistory = await history(w, mover.id);
    w.deps.engine.hooks = {
      afterAdoptionCommit: () => {
        throw new Error("injected crash after the adoption's warehouse commit");
      },
    };
    const move = { id: mover.id, patch: { destination: { schema: "raw", table: target } }, adoptExistingTable: true };
    try {
      expect((await rejectionOf(w.api.ingestions.update(move))).message).toBe("injected crash after the adoption's warehouse commit");
    } finally {
      delete w.deps.engine.hooks;
    }
    expect((await w.api.ingestions.get({ id: mover.id })).destination.table).toBe(mover.destination.table);
    expect(await history(w, mover.id)).toEqual(moverHistory);
    expect(await rowsOf(w, target, m.dir)).toEqual({ "m.jsonl": 2 });
    expect(await w.db.run.count({ where: { ingestionId: mover.id, activeIngestionId: { not: null } } })).toBe(0);
    expect((await w.api.ingestions.update(move)).destinationChange?.adoption).toMatchObject({ filesAdopted: 1, rowsAdopted: 2 });
    expect(await runOnce(w, mover.id)).toMatchObject({ status: "NO_NEW_FILES" });
    expect(await rowsOf(w, target, m.dir)).toEqual({ "m.jsonl": 2 });
  });

  it("a warehouse from before this release (first ledger layout, its loader deleted) is adopted by _source_file: nothing loads twice", async () => {
    const base = suite.world;
    const w = await freshTenant(base, "v1");
    const l = await landing(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 3) });
    // The previous release's warehouse: a ledger without tables, whose rows of the deleted
    // ingestion are left unattributed when it opens (no ingestion of the tenant knows that id).
    const file = w.deps.engine.warehouse.fileFor(w.tenant.slug);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFirstLayoutWarehouse(
      file,
      [
        ["deleted-loader", "a.jsonl", "old-run-1", 2, "2025-12-01 10:00:00"],
        ["deleted-loader", "b.jsonl", "old-run-2", 3, "2025-12-02 10:00:00"],
        ["deleted-elsewhere", "q.jsonl", "old-run-3", 4, "2025-12-03 10:00:00"],
      ],
      `CREATE SCHEMA raw;
      CREATE TABLE raw.kept (id VARCHAR, v BIGINT, _source_file VARCHAR);
      INSERT INTO raw.kept VALUES ${tableRows({
        [`${l.dir}/a.jsonl`]: { prefix: "a", count: 2 },
        [`${l.dir}/b.jsonl`]: { prefix: "b", count: 3 },
        "/elsewhere/x.jsonl": { prefix: "x", count: 1 },
      })};`,
    );
    await l.add({ "c.jsonl": rows("c", 1) });

    const refused = await rejectionOf(w.api.ingestions.create(draft(w, "after the upgrade", l.dir, "kept")));
    expect([refused.code, refused.message]).toEqual([
      "CONFLICT",
      "Table raw.kept already exists with 6 rows (none of them recorded in the ledger of loaded files); set adoptExistingTable to take it over, or choose another table",
    ]);
    const created = await w.api.ingestions.create({ ...draft(w, "after the upgrade", l.dir, "kept"), adoptExistingTable: true });
    expect(created.destinationChange).toEqual({
      message:
        "Adopted table raw.kept with 6 rows: 2 files (5 rows) joined the file history and will not load again " +
        "(all known only by their rows' _source_file: the ledger had no entry for them in this table); " +
        "1 other row (1 file this ingestion does not read) stays in the table untouched",
      adoption: { table: "raw.kept", filesAdopted: 2, rowsAdopted: 5, filesLeft: 1, rowsLeft: 1 },
      previousTable: null,
    });
    // The first-version rows of those files are re-keyed (their run and time kept), not left dangling; the unrelated one stays.
    expect(await wholeLedger(w)).toEqual([
      { ingestion_id: created.id, table_schema: "raw", table_name: "kept", path: "a.jsonl", source_file: `${l.dir}/a.jsonl`, run_id: "old-run-1", row_count: "2" },
      { ingestion_id: created.id, table_schema: "raw", table_name: "kept", path: "b.jsonl", source_file: `${l.dir}/b.jsonl`, run_id: "old-run-2", row_count: "3" },
      { ingestion_id: "deleted-elsewhere", table_schema: "", table_name: "", path: "q.jsonl", source_file: "", run_id: "old-run-3", row_count: "4" },
    ]);
    const { items } = await w.api.files.list({ ingestionId: created.id, limit: 200 });
    expect(
      Object.fromEntries(items.map((f) => [f.path, { status: f.status, rowCount: f.rowCount, size: f.size, loadedAt: f.loadedAt?.toISOString() }])),
    ).toEqual({
      "a.jsonl": { status: "SUCCESS", rowCount: 2, size: await sizeOf(l.dir, "a.jsonl"), loadedAt: "2025-12-01T10:00:00.000Z" },
      "b.jsonl": { status: "SUCCESS", rowCount: 3, size: await sizeOf(l.dir, "b.jsonl"), loadedAt: "2025-12-02T10:00:00.000Z" },
    });

    expect(await runOnce(w, created.id)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1, rowsLoaded: 1n });
    expect(await rowsOf(w, "kept", l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3, "c.jsonl": 1, "/elsewhere/x.jsonl": 1 });
    expect(await duplicateIds(w, "kept")).toEqual([]);
    expect(await runOnce(w, created.id)).toMatchObject({ status: "NO_NEW_FILES" });
    // Adopted by _source_file, the rows are the ingestion's own: a reprocess replaces them, once.
    expect(await w.api.files.reprocess({ ingestionId: created.id, filter: { search: "b.jsonl" } })).toMatchObject({ files: 1, rowsRemoved: 3 });
    expect(await runOnce(w, created.id)).toMatchObject({ filesLoaded: 1, rowsLoaded: 3n });
    expect(await rowsOf(w, "kept", l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3, "c.jsonl": 1, "/elsewhere/x.jsonl": 1 });
  });

  it("a table with _source_file but no ledger entries (written by another tool) is adopted by _source_file, within the glob and modifiedAfter", async () => {
    const w = suite.world;
    const table = newTable("by_hand");
    const l = await landing(w, { "old.jsonl": rows("o", 1), "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 3), "notes.json": rows("n", 1) });
    await setModified(l.dir, "old.jsonl", new Date("2020-01-01T00:00:00.000Z"));
    await w.deps.engine.warehouse.withConnection(w.tenant.slug, async (c) => {
      await c.run("CREATE SCHEMA IF NOT EXISTS raw");
      await c.run(`CREATE TABLE raw.${table} (id VARCHAR, v BIGINT, _source_file VARCHAR)`);
      await c.run(
        `INSERT INTO raw.${table} VALUES ${tableRows({
          [`${l.dir}/old.jsonl`]: { prefix: "o", count: 1 },
          [`${l.dir}/a.jsonl`]: { prefix: "a", count: 2 },
          [`${l.dir}/b.jsonl`]: { prefix: "b", count: 3 },
          [`${l.dir}/notes.json`]: { prefix: "n", count: 1 },
          [`${l.dir}/gone.jsonl`]: { prefix: "g", count: 1 },
          [`${l.dir}-other/z.jsonl`]: { prefix: "z", count: 4 },
        })}`,
      );
    });
    const input = {
      ...draft(w, "over a hand-made table", l.dir, table, "*.jsonl"),
      source: filesSource(w.root, l.dir, { glob: "*.jsonl", modifiedAfter: new Date("2021-01-01T00:00:00.000Z") }),
      adoptExistingTable: true,
    };
    const before = Date.now();
    const created = await w.api.ingestions.create(input);
    const after = Date.now();
    // Adopted: what a run would load (a, b) and a file gone from the source (its time unknown); left: outside the glob, before modifiedAfter, another directory.
    expect(created.destinationChange).toEqual({
      message:
        `Adopted table raw.${table} with 12 rows: 3 files (6 rows) joined the file history and will not load again ` +
        "(all known only by their rows' _source_file: the ledger had no entry for them in this table); " +
        "6 other rows (3 files this ingestion does not read) stay in the table untouched",
      adoption: { table: `raw.${table}`, filesAdopted: 3, rowsAdopted: 6, filesLeft: 3, rowsLeft: 6 },
      previousTable: null,
    });
    expect(await wholeLedger(w).then((all) => all.filter((x) => x.table_name === table))).toEqual(
      ["a.jsonl", "b.jsonl", "gone.jsonl"].map((p, i) => ({
        ingestion_id: created.id,
        table_schema: "raw",
        table_name: table,
        path: p,
        source_file: `${l.dir}/${p}`,
        run_id: "adopted",
        row_count: String([2, 3, 1][i]),
      })),
    );
    const { items } = await w.api.files.list({ ingestionId: created.id, limit: 200 });
    for (const f of items) {
      expect(f.loadedAt?.getTime()).toBeGreaterThanOrEqual(before - 1);
      expect(f.loadedAt?.getTime()).toBeLessThanOrEqual(after + 1);
    }
    expect(await history(w, created.id)).toEqual({
      "a.jsonl": { status: "SUCCESS", rowCount: 2, size: await sizeOf(l.dir, "a.jsonl") },
      "b.jsonl": { status: "SUCCESS", rowCount: 3, size: await sizeOf(l.dir, "b.jsonl") },
      "gone.jsonl": { status: "SUCCESS", rowCount: 1, size: 0 },
    });

    await l.add({ "c.jsonl": rows("c", 2) });
    expect(await runOnce(w, created.id)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1, rowsLoaded: 2n });
    expect(await rowsOf(w, table, l.dir)).toEqual({
      "old.jsonl": 1,
      "a.jsonl": 2,
      "b.jsonl": 3,
      "c.jsonl": 2,
      "notes.json": 1,
      "gone.jsonl": 1,
      [`${l.dir}-other/z.jsonl`]: 4,
    });
    expect(await duplicateIds(w, table)).toEqual([]);
    expect(await runOnce(w, created.id)).toMatchObject({ status: "NO_NEW_FILES" });
  });

  it("a move that adopts and changes the glob in one patch adopts by the new glob: the next run loads nothing twice", async () => {
    const w = suite.world;
    const [mine, kept] = [newTable("glob_from"), newTable("glob_kept")];
    const l = await landing(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 3), "c.csv": "id,v\nc-0,0\n" });
    const mover = await w.api.ingestions.create(draft(w, "narrow mover", l.dir, mine, "a*.jsonl"));
    expect(await runOnce(w, mover.id)).toMatchObject({ filesLoaded: 1 });
    const wide = await w.api.ingestions.create(draft(w, "wide before", l.dir, kept, "*.jsonl"));
    expect(await runOnce(w, wide.id)).toMatchObject({ filesLoaded: 2 });
    await w.api.ingestions.delete({ id: wide.id });

    const moved = await w.api.ingestions.update({
      id: mover.id,
      patch: { destination: { schema: "raw", table: kept }, source: filesSource(w.root, l.dir, { glob: "*.jsonl" }) },
      adoptExistingTable: true,
    });
    expect(moved.source.glob).toBe("*.jsonl");
    expect(moved.destinationChange?.adoption).toEqual({ table: `raw.${kept}`, filesAdopted: 2, rowsAdopted: 5, filesLeft: 0, rowsLeft: 0 });
    expect(await tableLedger(w, kept)).toEqual({ [`${mover.id} a.jsonl`]: 2, [`${mover.id} b.jsonl`]: 3 });
    expect(await history(w, mover.id)).toEqual({
      "a.jsonl": { status: "SUCCESS", rowCount: 2, size: await sizeOf(l.dir, "a.jsonl") },
      "b.jsonl": { status: "SUCCESS", rowCount: 3, size: await sizeOf(l.dir, "b.jsonl") },
    });
    expect(await runOnce(w, mover.id)).toMatchObject({ status: "NO_NEW_FILES" });
    await l.add({ "d.jsonl": rows("d", 1) });
    expect(await runOnce(w, mover.id)).toMatchObject({ filesLoaded: 1, rowsLoaded: 1n });
    expect(await rowsOf(w, kept, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3, "d.jsonl": 1 });
    expect(await duplicateIds(w, kept)).toEqual([]);
    expect(await rowsOf(w, mine, l.dir)).toEqual({ "a.jsonl": 2 });
  });
});
