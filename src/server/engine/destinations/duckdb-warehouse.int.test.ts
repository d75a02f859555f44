// The Destination interface on the embedded DuckDB warehouse: every method through the interface
// only, on a real warehouse file, as the pipeline and the services use it.
import { access, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSchema } from "@/shared/contracts/ingestions";
import { jsonl, writeFiles } from "@/test/run-fixtures";
import type { BatchFile, Destination, LoadTarget } from "./destination";
import { destinationOf } from "./destination-of";
import { duckdbDestinations } from "./duckdb-warehouse";
import { Warehouse } from "./duckdb/warehouse";

const URI = "s3://bucket/landing/";

let dir: string;
let warehouse: Warehouse;
let destination: Destination;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "autoloader-destination-"));
  warehouse = new Warehouse(path.join(dir, "warehouse"));
  destination = destinationOf({ warehouse }, { tenantKey: "acme" });
});
afterAll(async () => {
  await warehouse.close();
  await rm(dir, { recursive: true, force: true });
});

const target = (table: string, runId = "run-1"): LoadTarget => ({
  ingestionId: "ing-1",
  runId,
  schema: "raw",
  table,
  format: formatSchema.parse({ type: "JSON" }),
  mode: "ADD_NEW_COLUMNS",
  hints: {},
  uriPrefix: URI,
});

const batchOf = (paths: string[]): BatchFile[] => paths.map((p) => ({ id: `id:${p}`, path: p, localPath: path.join(dir, "staging", p) }));

describe("the DuckDB warehouse destination", () => {
  it("describes a table it never saw without creating the tenant's database", async () => {
    const other = duckdbDestinations(warehouse)({ tenantKey: "nobody" });
    expect(await other.describe({ schema: "raw", table: "t" })).toEqual({ table: null, ledger: [] });
    expect(await other.sampleRows({ schema: "raw", table: "t" }, 5)).toEqual([]);
    await expect(access(warehouse.fileFor("nobody"))).rejects.toThrow();
  });

  it("writes a batch with its ledger entries, describes and samples it, removes files, then drops it", async () => {
    await writeFiles(path.join(dir, "staging"), { "a.jsonl": jsonl([{ id: 1 }, { id: 2 }]), "b.jsonl": jsonl([{ id: 3 }]) });
    const committed: string[] = [];
    const out = await destination.writeBatch(target("events"), batchOf(["a.jsonl", "b.jsonl"]), {
      afterWarehouseCommit: (files) => void committed.push(...files.map((f) => f.path)),
    });
    expect(out.loaded).toEqual([
      { id: "id:a.jsonl", path: "a.jsonl", rows: 2 },
      { id: "id:b.jsonl", path: "b.jsonl", rows: 1 },
    ]);
    expect(committed).toEqual(["a.jsonl", "b.jsonl"]);
    // Files the ledger holds are counted again, never written twice.
    const again = await destination.writeBatch(target("events", "run-2"), batchOf(["a.jsonl"]));
    expect(again.loaded).toEqual([{ id: "id:a.jsonl", path: "a.jsonl", rows: 2 }]);

    const scope = { ingestionId: "ing-1", schema: "raw", table: "events" };
    expect(await destination.ledgerEntries(scope, ["a.jsonl", "b.jsonl", "c.jsonl"])).toEqual(
      new Map([
        ["a.jsonl", { rows: 2, runId: "run-1" }],
        ["b.jsonl", { rows: 1, runId: "run-1" }],
      ]),
    );
    const state = await destination.describe(scope);
    expect(state).toMatchObject({ table: { rows: 3, hasLineage: true }, ledger: [{ ingestionId: "ing-1", files: 2, rows: 3 }] });
    expect(state.table?.columns.map((c) => c.name)).toEqual(["id", "_source_file"]);
    const sample = await destination.sampleRows(scope, 2);
    expect(sample).toHaveLength(2);
    expect(sample[0]).toHaveProperty("_source_file");

    expect(await destination.removeFiles(scope, ["a.jsonl"])).toEqual({ rowsDeleted: 2, ledgerEntriesRemoved: 1 });
    expect(await destination.describe(scope)).toMatchObject({ table: { rows: 1 }, ledger: [{ ingestionId: "ing-1", files: 1 }] });

    expect(await destination.drop(scope)).toEqual({ tableExisted: true, rowsDropped: 1, ledgerEntriesRemoved: 1 });
    expect(await destination.describe(scope)).toEqual({ table: null, ledger: [] });
  });

  it("runs exclusive calls of one table one after the other", async () => {
    const order: string[] = [];
    const t = { schema: "raw", table: "queued" };
    await Promise.all([
      destination.exclusive(t, async () => {
        order.push("first:start");
        await new Promise((r) => setTimeout(r, 20));
        order.push("first:end");
      }),
      destination.exclusive(t, async () => void order.push("second")),
    ]);
    expect(order).toEqual(["first:start", "first:end", "second"]);
  });
});
