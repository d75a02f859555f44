// ingestions.delete through the tRPC caller on a real database and DuckDB warehouse: with
// dropTable the destination and its ledger entries go (nothing of another ingestion or tenant
// does); without it the table stays with its rows; never while a run is active.
import { describe, expect, it } from "vitest";
import { rejectionOf, zodIssuesOf } from "@/test/api-callers";
import { describeEachDatabase } from "@/test/databases";
import { feed, loadThenHoldRefresh, snapshot, tableExists, useMaintenanceWorld, type Feed } from "@/test/maintenance-fixtures";
import { jsonl, tableRows } from "@/test/run-fixtures";

const rows = (prefix: string, count: number) => jsonl(Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, v: i })));

describe("ingestions.delete [pglite]", () => {
  const suite = useMaintenanceWorld();

  async function loaded(f: Feed, tenantId = suite.world.tenant.id) {
    const w = suite.world;
    const api = tenantId === w.tenant.id ? w.api : w.other.api;
    const { runId } = await api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();
    expect(await w.db.run.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: "SUCCEEDED" });
  }

  async function metadataOf(ingestionId: string) {
    const db = suite.world.db;
    return {
      ingestions: await db.ingestion.count({ where: { id: ingestionId } }),
      runs: await db.run.count({ where: { ingestionId } }),
      files: await db.processedFile.count({ where: { ingestionId } }),
      attempts: await db.fileAttempt.count({ where: { file: { ingestionId } } }),
      schemaVersions: await db.schemaVersion.count({ where: { ingestionId } }),
    };
  }

  it("with dropTable: the table and the ingestion's ledger entries go; another ingestion's and another tenant's stay", async () => {
    const w = suite.world;
    const doomed = await feed(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 1) });
    const neighbour = await feed(w, { "x.jsonl": rows("x", 3) });
    // Another tenant's ingestion writing a table of the same name, in its own warehouse.
    const foreign = await feed(w, { "a.jsonl": rows("f", 4) }, { destination: { schema: "raw", table: doomed.table.slice(4), partitionColumns: [] } }, w.other);
    await loaded(doomed);
    await loaded(neighbour);
    await loaded(foreign, w.other.id);
    expect(await metadataOf(doomed.ing.id)).toEqual({ ingestions: 1, runs: 1, files: 2, attempts: 2, schemaVersions: 1 });
    const neighbourBefore = await snapshot(w, neighbour);
    const foreignRows = await tableRows(w.deps.engine.warehouse, w.other.slug, foreign.table, "id");
    expect(foreignRows).toHaveLength(4);

    const answer = await w.api.ingestions.delete({ id: doomed.ing.id, dropTable: true });
    expect(answer).toEqual({
      id: doomed.ing.id,
      name: doomed.ing.name,
      table: doomed.table,
      tableDropped: true,
      rowsDropped: 3,
      message: `Deleted ingestion '${doomed.ing.name}' and dropped table ${doomed.table} (3 rows)`,
    });
    expect(await tableExists(w, doomed.table)).toBe(false);
    expect(await doomed.ledger()).toEqual({});
    expect(await metadataOf(doomed.ing.id)).toEqual({ ingestions: 0, runs: 0, files: 0, attempts: 0, schemaVersions: 0 });
    const gone = await rejectionOf(w.api.ingestions.get({ id: doomed.ing.id }));
    expect([gone.code, gone.message]).toEqual(["NOT_FOUND", `No ingestion '${doomed.ing.id}'`]);

    expect(await snapshot(w, neighbour)).toEqual(neighbourBefore);
    expect(await tableRows(w.deps.engine.warehouse, w.other.slug, foreign.table, "id")).toEqual(foreignRows);
    expect(await foreign.ledger()).toEqual({ "a.jsonl": 4 });

    const again = await rejectionOf(w.api.ingestions.delete({ id: doomed.ing.id, dropTable: true }));
    expect([again.code, again.message]).toEqual(["NOT_FOUND", `No ingestion '${doomed.ing.id}'`]);
  });

  it("without dropTable: the table stays with its rows, and the answer says so", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 3) });
    await loaded(f);
    const before = await tableRows(w.deps.engine.warehouse, w.tenant.slug, f.table, "id");
    expect(before).toHaveLength(5);

    const answer = await w.api.ingestions.delete({ id: f.ing.id });
    expect(answer).toEqual({
      id: f.ing.id,
      name: f.ing.name,
      table: f.table,
      tableDropped: false,
      rowsDropped: 0,
      message: `Deleted ingestion '${f.ing.name}'; table ${f.table} was kept with its data`,
    });
    expect(await tableRows(w.deps.engine.warehouse, w.tenant.slug, f.table, "id")).toEqual(before);
    expect(await metadataOf(f.ing.id)).toEqual({ ingestions: 0, runs: 0, files: 0, attempts: 0, schemaVersions: 0 });

    // dropTable: false is the same.
    const g = await feed(w, { "c.jsonl": rows("c", 1) });
    await loaded(g);
    expect(await w.api.ingestions.delete({ id: g.ing.id, dropTable: false })).toMatchObject({ tableDropped: false, rowsDropped: 0 });
    expect(await tableExists(w, g.table)).toBe(true);
  });

  it("with dropTable before any load: nothing to drop, and the answer says the table did not exist", async () => {
    const w = suite.world;
    const f = await feed(w, {});
    expect(await w.api.ingestions.delete({ id: f.ing.id, dropTable: true })).toEqual({
      id: f.ing.id,
      name: f.ing.name,
      table: f.table,
      tableDropped: false,
      rowsDropped: 0,
      message: `Deleted ingestion '${f.ing.name}'; table ${f.table} did not exist`,
    });
    expect(await metadataOf(f.ing.id)).toMatchObject({ ingestions: 0 });
  });

  it("refuses another tenant's ingestion as NOT_FOUND and a dropTable that is not a boolean, changing nothing", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    await loaded(f);
    const before = await snapshot(w, f);
    const foreign = await rejectionOf(w.other.api.ingestions.delete({ id: f.ing.id, dropTable: true }));
    expect([foreign.code, foreign.message]).toEqual(["NOT_FOUND", `No ingestion '${f.ing.id}'`]);
    expect(zodIssuesOf(await rejectionOf(w.api.ingestions.delete({ id: f.ing.id, dropTable: "yes" as unknown as boolean })))).toEqual({
      dropTable: ["dropTable must be true or false"],
    });
    expect(await snapshot(w, f)).toEqual(before);
    expect(await metadataOf(f.ing.id)).toMatchObject({ ingestions: 1 });
  });
});

describeEachDatabase("ingestions.delete and runs exclude each other", (kind) => {
  const suite = useMaintenanceWorld({ kind });

  it("is a CONFLICT while a run is active, dropping nothing; once it finished the delete drops every row", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    await w.api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();

    await f.add({ "b.jsonl": rows("b", 3) });
    const gate = w.gates.hold(f.ing.source.uri);
    const { runId } = await w.api.runs.trigger({ ingestionId: f.ing.id });
    await gate.entered;
    const before = await snapshot(w, f);
    for (const dropTable of [true, false]) {
      const refused = await rejectionOf(w.api.ingestions.delete({ id: f.ing.id, dropTable }));
      expect([refused.code, refused.message]).toEqual([
        "CONFLICT",
        `Cannot delete ingestion '${f.ing.name}' while run ${runId} is running; wait for it to finish`,
      ]);
    }
    expect(await snapshot(w, f)).toEqual(before);
    expect(await w.api.ingestions.get({ id: f.ing.id })).toMatchObject({ id: f.ing.id });

    gate.release();
    await w.executor.idle();
    expect(await f.rows()).toEqual({ "a.jsonl": 2, "b.jsonl": 3 });
    expect(await w.api.ingestions.delete({ id: f.ing.id, dropTable: true })).toMatchObject({ tableDropped: true, rowsDropped: 5 });
    expect(await tableExists(w, f.table)).toBe(false);
    expect(await f.ledger()).toEqual({});
  });

  it("is a CONFLICT while a refresh holds the ingestion", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    const { refreshing, release } = await loadThenHoldRefresh(w, f, "NEW_ONLY");
    expect(await w.db.run.findFirstOrThrow({ where: { activeIngestionId: f.ing.id } })).toMatchObject({
      status: "QUEUED",
      currentStep: "maintenance: a refresh",
    });
    const refused = await rejectionOf(w.api.ingestions.delete({ id: f.ing.id, dropTable: true }));
    expect([refused.code, refused.message]).toEqual([
      "CONFLICT",
      `Cannot delete ingestion '${f.ing.name}' while another operation (a refresh) is in progress; wait for it to finish`,
    ]);
    release();
    expect(await refreshing).toMatchObject({ executed: true, plan: { table: { rows: 2 } } });
    expect(await w.api.ingestions.delete({ id: f.ing.id, dropTable: true })).toMatchObject({
      tableDropped: false,
      rowsDropped: 0,
      message: `Deleted ingestion '${f.ing.name}'; table ${f.table} did not exist`,
    });
  });
});
