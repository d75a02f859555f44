// The ledger on a real DuckDB file: a first-version ledger (no table recorded) is brought up to
// date when the warehouse opens, and every lookup is scoped to (table, ingestion).
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { writeFirstLayoutWarehouse } from "@/test/duckdb-files";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { countLedger, forgetTable, ledgerRowsOf, recordBatchLoaded, tableLedgerSummary } from "./ledger";
import { Warehouse } from "./duckdb/warehouse";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "autoloader-ledger-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A warehouse file with the first ledger layout, as the previous release left it. */
const writeV1Warehouse = (file: string) =>
  writeFirstLayoutWarehouse(file, [
    ["ing-a", "x.jsonl", "run-1", 3, "2026-11-01 10:00:00"],
    ["ing-a", "y.jsonl", "run-1", 4, "2026-11-01 10:00:00"],
    ["ing-gone", "z.jsonl", "run-2", 5, "2026-11-02 10:00:00"],
  ]);

describe("warehouse ledger", () => {
  it("brings a first-version ledger up to date: known ingestions' rows take their table, the others stay unmatched", async () => {
    await writeV1Warehouse(path.join(dir, "acme.duckdb"));
    const warehouse = new Warehouse(dir, {
      legacyDestinations: async (tenant) =>
        new Map(tenant === "acme" ? [["ing-a", { schema: "raw", table: "orders", uriPrefix: "/data/in/" }]] : []),
    });
    try {
      const rows = await warehouse.withConnection("acme", async (c) => {
        const r = await c.runAndReadAll(
          "SELECT ingestion_id, table_schema, table_name, path, source_file, run_id, row_count FROM _autoloader.loaded_files ORDER BY path",
        );
        return r.getRowObjectsJson();
      });
      expect(rows).toEqual([
        { ingestion_id: "ing-a", table_schema: "raw", table_name: "orders", path: "x.jsonl", source_file: "/data/in/x.jsonl", run_id: "run-1", row_count: "3" },
        { ingestion_id: "ing-a", table_schema: "raw", table_name: "orders", path: "y.jsonl", source_file: "/data/in/y.jsonl", run_id: "run-1", row_count: "4" },
        { ingestion_id: "ing-gone", table_schema: "", table_name: "", path: "z.jsonl", source_file: "", run_id: "run-2", row_count: "5" },
      ]);
      const scope = { ingestionId: "ing-a", schema: "raw", table: "orders" };
      expect(await warehouse.withConnection("acme", (c) => ledgerRowsOf(c, scope, ["x.jsonl", "z.jsonl"]))).toEqual(
        new Map([["x.jsonl", { rows: 3, runId: "run-1" }]]),
      );
    } finally {
      await warehouse.close();
    }
    // Opening again changes nothing (the ledger is already current).
    const again = new Warehouse(dir);
    try {
      expect(await again.withConnection("acme", (c) => countLedger(c, { ingestionId: "ing-a", schema: "raw", table: "orders" }))).toBe(2);
    } finally {
      await again.close();
    }
  });

  it("brings a first-version ledger up to date when no ingestion of the tenant is known any more (all deleted)", async () => {
    await writeV1Warehouse(path.join(dir, "acme.duckdb"));
    const warehouse = new Warehouse(dir);
    try {
      const rows = await warehouse.withConnection("acme", async (c) => {
        const r = await c.runAndReadAll("SELECT ingestion_id, table_name, path, source_file FROM _autoloader.loaded_files ORDER BY path");
        return r.getRowObjectsJson();
      });
      expect(rows).toEqual([
        { ingestion_id: "ing-a", table_name: "", path: "x.jsonl", source_file: "" },
        { ingestion_id: "ing-a", table_name: "", path: "y.jsonl", source_file: "" },
        { ingestion_id: "ing-gone", table_name: "", path: "z.jsonl", source_file: "" },
      ]);
    } finally {
      await warehouse.close();
    }
  });

  it("keeps the same file of one ingestion apart per table, and forgets a whole table across ingestions", async () => {
    const warehouse = new Warehouse(dir);
    try {
      await warehouse.withConnection("acme", async (c) => {
        const at = new Date("2026-11-22T12:00:00Z");
        // Row counts per source file, as a batch's insert would give them.
        const rows = (sourceFile: string, n: number) => `SELECT '${sourceFile}' AS source_file, ${n} AS n`;
        await recordBatchLoaded(c, { ingestionId: "a", schema: "raw", table: "old" }, "r1", [{ path: "f.jsonl", sourceFile: "/in/f.jsonl" }], rows("/in/f.jsonl", 2), at);
        await recordBatchLoaded(c, { ingestionId: "a", schema: "raw", table: "new" }, "r2", [{ path: "f.jsonl", sourceFile: "/in/f.jsonl" }], rows("/in/f.jsonl", 2), at);
        await recordBatchLoaded(c, { ingestionId: "b", schema: "raw", table: "old" }, "r3", [{ path: "g.jsonl", sourceFile: "/in2/g.jsonl" }], rows("/in2/g.jsonl", 7), at);
        expect(await tableLedgerSummary(c, "raw", "old")).toEqual([
          { ingestionId: "a", files: 1, rows: 2 },
          { ingestionId: "b", files: 1, rows: 7 },
        ]);
        expect(await forgetTable(c, "raw", "old")).toBe(2);
        expect(await tableLedgerSummary(c, "raw", "old")).toEqual([]);
        expect(await ledgerRowsOf(c, { ingestionId: "a", schema: "raw", table: "new" }, ["f.jsonl"])).toEqual(new Map([["f.jsonl", { rows: 2, runId: "r2" }]]));
      });
    } finally {
      await warehouse.close();
    }
  });
});
