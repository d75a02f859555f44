// Schema evolution across runs, per mode, on real files and a real DuckDB warehouse: what the
// table becomes, which rows land where, and the schema versions recorded with their runs.
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CreateIngestionDraft } from "@/shared/contracts/ingestions";
import { literal } from "@/server/engine/sql";
import { withMemoryDuckDb } from "@/test/duckdb-files";
import { useRunWorld } from "@/test/world";
import { jsonl, makeIngestion, tableRows, writeFiles } from "@/test/run-fixtures";
import { fileStates, runToEnd } from "@/test/run-inspection";

const suite = useRunWorld();

let n = 0;
async function ingestion(schemaPolicy: CreateIngestionDraft["schemaPolicy"], format: CreateIngestionDraft["format"] = { type: "JSON" }) {
  n += 1;
  const landing = path.join(suite.world.root, `landing-${n}`);
  const ing = await makeIngestion(suite.world, {
    source: { uri: landing },
    format,
    schemaPolicy,
    destination: { schema: "raw", table: `s${n}`, partitionColumns: [] },
  });
  return { ing, landing, table: `raw.s${n}`, uri: (rel: string) => `${landing}/${rel}` };
}

async function columnsOf(table: string): Promise<string[]> {
  const [schema, name] = table.split(".") as [string, string];
  return suite.world.deps.engine.warehouse.withConnection(suite.world.tenant.slug, async (c) => {
    const r = await c.runAndReadAll(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ${literal(schema)} AND table_name = ${literal(name)} ORDER BY ordinal_position`,
    );
    return (r.getRowObjectsJson() as { column_name: string; data_type: string }[]).map((x) => `${x.column_name} ${x.data_type}`);
  });
}

async function versionsOf(ingestionId: string) {
  const rows = await suite.world.deps.db.schemaVersion.findMany({ where: { ingestionId }, orderBy: { version: "asc" } });
  return rows.map((v) => ({ version: v.version, runId: v.runId, diff: v.diff, columns: v.columns }));
}

const rowsOf = (table: string, orderBy = "id") => tableRows(suite.world.deps.engine.warehouse, suite.world.tenant.slug, table, orderBy);
const c = (name: string, type: string) => ({ name, type });
const noChange = { added: [], removed: [], typeChanged: [] };

describe("schema evolution across runs", () => {
  it("ADD_NEW_COLUMNS adds a new column and records a schema version with it", async () => {
    const { ing, landing, table, uri } = await ingestion({ evolutionMode: "ADD_NEW_COLUMNS", hints: {} });
    await writeFiles(landing, { "1.jsonl": jsonl([{ id: 1, name: "a" }]) });
    const first = await runToEnd(suite.world, ing.id);
    await writeFiles(landing, { "2.jsonl": jsonl([{ id: 2, name: "b", score: 9.5 }]) });
    const second = await runToEnd(suite.world, ing.id);
    expect(second).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1 });

    expect(await columnsOf(table)).toEqual(["id BIGINT", "name VARCHAR", "_source_file VARCHAR", "score DOUBLE"]);
    expect(await rowsOf(table)).toEqual([
      { id: "1", name: "a", _source_file: uri("1.jsonl"), score: null },
      { id: "2", name: "b", _source_file: uri("2.jsonl"), score: 9.5 },
    ]);
    expect(await versionsOf(ing.id)).toEqual([
      {
        version: 1,
        runId: first.id,
        diff: { ...noChange, added: [c("id", "BIGINT"), c("name", "VARCHAR"), c("_source_file", "VARCHAR")] },
        columns: [c("id", "BIGINT"), c("name", "VARCHAR"), c("_source_file", "VARCHAR")],
      },
      {
        version: 2,
        runId: second.id,
        diff: { ...noChange, added: [c("score", "DOUBLE")] },
        columns: [c("id", "BIGINT"), c("name", "VARCHAR"), c("_source_file", "VARCHAR"), c("score", "DOUBLE")],
      },
    ]);
  });

  it("widens INTEGER → BIGINT → DOUBLE over three runs: versions 1, 2, 3 with their type changes and runs", async () => {
    const { ing, landing, table, uri } = await ingestion({ evolutionMode: "ADD_NEW_COLUMNS", hints: {} }, { type: "PARQUET" });
    const parquet = (file: string, select: string) =>
      withMemoryDuckDb(async (db) => {
        await db.run(`COPY (${select}) TO ${literal(path.join(landing, file))} (FORMAT parquet)`);
      });
    await writeFiles(landing, { ".keep": "" });

    await parquet("1.parquet", "SELECT 1::INTEGER AS id, 7::INTEGER AS n");
    const r1 = await runToEnd(suite.world, ing.id);
    expect(await columnsOf(table)).toEqual(["id INTEGER", "n INTEGER", "_source_file VARCHAR"]);

    await parquet("2.parquet", "SELECT 2::INTEGER AS id, 3000000000::BIGINT AS n");
    const r2 = await runToEnd(suite.world, ing.id);
    expect(await columnsOf(table)).toEqual(["id INTEGER", "n BIGINT", "_source_file VARCHAR"]);

    await parquet("3.parquet", "SELECT 3::INTEGER AS id, 1.5::DOUBLE AS n");
    const r3 = await runToEnd(suite.world, ing.id);
    expect([r1.status, r2.status, r3.status]).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
    expect(await columnsOf(table)).toEqual(["id INTEGER", "n DOUBLE", "_source_file VARCHAR"]);

    expect(await rowsOf(table)).toEqual([
      { id: 1, n: 7, _source_file: uri("1.parquet") },
      { id: 2, n: 3000000000, _source_file: uri("2.parquet") },
      { id: 3, n: 1.5, _source_file: uri("3.parquet") },
    ]);
    expect((await versionsOf(ing.id)).map((v) => [v.version, v.runId, v.diff])).toEqual([
      [1, r1.id, { ...noChange, added: [c("id", "INTEGER"), c("n", "INTEGER"), c("_source_file", "VARCHAR")] }],
      [2, r2.id, { ...noChange, typeChanged: [{ name: "n", from: "INTEGER", to: "BIGINT" }] }],
      [3, r3.id, { ...noChange, typeChanged: [{ name: "n", from: "BIGINT", to: "DOUBLE" }] }],
    ]);
  });

  it("three runs of JSON: a widening with a new column, then another column; a run without changes records no version", async () => {
    const { ing, landing, table } = await ingestion({ evolutionMode: "ADD_NEW_COLUMNS", hints: {} });
    await writeFiles(landing, { "1.jsonl": jsonl([{ id: 1, n: 1 }]) });
    const r1 = await runToEnd(suite.world, ing.id);
    await writeFiles(landing, { "2.jsonl": jsonl([{ id: 2, n: 1.5, note: "x" }]) });
    const r2 = await runToEnd(suite.world, ing.id);
    await writeFiles(landing, { "3.jsonl": jsonl([{ id: 3, n: 2, flag: true }]) });
    const r3 = await runToEnd(suite.world, ing.id);
    await writeFiles(landing, { "4.jsonl": jsonl([{ id: 4, n: 4 }]) });
    const r4 = await runToEnd(suite.world, ing.id);
    expect([r1, r2, r3, r4].map((r) => r.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);

    expect((await versionsOf(ing.id)).map((v) => [v.version, v.runId, v.diff])).toEqual([
      [1, r1.id, { ...noChange, added: [c("id", "BIGINT"), c("n", "BIGINT"), c("_source_file", "VARCHAR")] }],
      [2, r2.id, { added: [c("note", "VARCHAR")], removed: [], typeChanged: [{ name: "n", from: "BIGINT", to: "DOUBLE" }] }],
      [3, r3.id, { ...noChange, added: [c("flag", "BOOLEAN")] }],
    ]);
    expect((await rowsOf(table)).map((r) => [r.id, r.n, r.note, r.flag])).toEqual([
      ["1", 1, null, null],
      ["2", 1.5, "x", null],
      ["3", 2, null, true],
      ["4", 4, null, null],
    ]);
  });

  it("RESCUE keeps the schema: new fields and values that do not fit go to _rescued_data with _file_path", async () => {
    const { ing, landing, table, uri } = await ingestion({ evolutionMode: "RESCUE", hints: {} });
    await writeFiles(landing, { "1.jsonl": jsonl([{ id: 1, amount: 10 }]) });
    const r1 = await runToEnd(suite.world, ing.id);
    expect(await columnsOf(table)).toEqual(["id BIGINT", "amount BIGINT", "_source_file VARCHAR", "_rescued_data JSON"]);

    await writeFiles(landing, {
      "2.jsonl": jsonl([
        { id: 2, amount: "abc", extra: "x" },
        { id: 3, amount: 5 },
        { id: 4, amount: 6, extra: "y" },
      ]),
    });
    const r2 = await runToEnd(suite.world, ing.id);
    expect(r2).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1, rowsLoaded: 3n });
    expect(await columnsOf(table)).toEqual(["id BIGINT", "amount BIGINT", "_source_file VARCHAR", "_rescued_data JSON"]);

    const rows = await rowsOf(table);
    expect(rows.map((r) => ({ ...r, _rescued_data: r._rescued_data === null ? null : JSON.parse(String(r._rescued_data)) }))).toEqual([
      { id: "1", amount: "10", _source_file: uri("1.jsonl"), _rescued_data: null },
      { id: "2", amount: null, _source_file: uri("2.jsonl"), _rescued_data: { extra: "x", amount: "abc", _file_path: uri("2.jsonl") } },
      { id: "3", amount: "5", _source_file: uri("2.jsonl"), _rescued_data: null },
      { id: "4", amount: "6", _source_file: uri("2.jsonl"), _rescued_data: { extra: "y", _file_path: uri("2.jsonl") } },
    ]);
    expect((await versionsOf(ing.id)).map((v) => [v.version, v.runId])).toEqual([[1, r1.id]]);
  });

  it("FAIL_ON_NEW_COLUMNS fails the files with new columns, with the reason, while the others in the batch load", async () => {
    const { ing, landing, table, uri } = await ingestion({ evolutionMode: "FAIL_ON_NEW_COLUMNS", hints: {} });
    await writeFiles(landing, { "1.jsonl": jsonl([{ id: 1, name: "a" }]) });
    await runToEnd(suite.world, ing.id);
    await writeFiles(landing, {
      "2-plain.jsonl": jsonl([{ id: 2, name: "b" }]),
      "3-new.jsonl": jsonl([{ id: 3, name: "c", extra: 1, more: "m" }]),
      "4-plain.jsonl": jsonl([{ id: 4, name: "d" }]),
    });
    const run = await runToEnd(suite.world, ing.id);
    expect(run).toMatchObject({ status: "PARTIAL", filesLoaded: 2, filesFailed: 1, rowsLoaded: 2n });
    expect((await fileStates(suite.world, ing.id))["3-new.jsonl"]).toMatchObject({
      status: "FAILED",
      retryCount: 1,
      error: `${uri("3-new.jsonl")}: Schema change not allowed (FAIL_ON_NEW_COLUMNS): new column(s) extra, more`,
    });
    expect(await columnsOf(table)).toEqual(["id BIGINT", "name VARCHAR", "_source_file VARCHAR"]);
    expect((await rowsOf(table)).map((r) => r._source_file)).toEqual([uri("1.jsonl"), uri("2-plain.jsonl"), uri("4-plain.jsonl")]);
    expect(await versionsOf(ing.id)).toHaveLength(1);
  });

  it("FAIL_ON_NEW_COLUMNS fails a file whose values change a column's type, naming the change", async () => {
    const { ing, landing, uri } = await ingestion({ evolutionMode: "FAIL_ON_NEW_COLUMNS", hints: {} });
    await writeFiles(landing, { "1.jsonl": jsonl([{ id: 1, when: "2026-01-01" }]) });
    await runToEnd(suite.world, ing.id);
    await writeFiles(landing, { "2.jsonl": jsonl([{ id: 2, when: true }]) });
    const run = await runToEnd(suite.world, ing.id);
    expect(run.status).toBe("FAILED");
    expect((await fileStates(suite.world, ing.id))["2.jsonl"]?.error).toBe(
      `${uri("2.jsonl")}: Schema change not allowed (FAIL_ON_NEW_COLUMNS): column when changed type from DATE to BOOLEAN`,
    );
  });

  it("NONE ignores new columns: the rows load, the table and its schema versions stay as they were", async () => {
    const { ing, landing, table, uri } = await ingestion({ evolutionMode: "NONE", hints: {} });
    await writeFiles(landing, { "1.jsonl": jsonl([{ id: 1, name: "a" }]) });
    await runToEnd(suite.world, ing.id);
    await writeFiles(landing, { "2.jsonl": jsonl([{ id: 2, name: "b", extra: "ignored" }]) });
    const run = await runToEnd(suite.world, ing.id);
    expect(run).toMatchObject({ status: "SUCCEEDED", rowsLoaded: 1n });
    expect(await columnsOf(table)).toEqual(["id BIGINT", "name VARCHAR", "_source_file VARCHAR"]);
    expect(await rowsOf(table)).toEqual([
      { id: "1", name: "a", _source_file: uri("1.jsonl") },
      { id: "2", name: "b", _source_file: uri("2.jsonl") },
    ]);
    expect(await versionsOf(ing.id)).toHaveLength(1);
  });

  it("schema hints override inference (amount → DECIMAL(18,2)), in later runs too", async () => {
    const { ing, landing, table } = await ingestion({ evolutionMode: "ADD_NEW_COLUMNS", hints: { amount: "DECIMAL(18,2)", code: "VARCHAR" } });
    await writeFiles(landing, { "1.jsonl": jsonl([{ id: 1, amount: 12.5, code: 7 }, { id: 2, amount: 3, code: 8 }]) });
    const r1 = await runToEnd(suite.world, ing.id);
    await writeFiles(landing, { "2.jsonl": jsonl([{ id: 3, amount: 0.1, code: 9 }]) });
    const r2 = await runToEnd(suite.world, ing.id);
    expect([r1.status, r2.status]).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    expect(await columnsOf(table)).toEqual(["id BIGINT", "amount DECIMAL(18,2)", "code VARCHAR", "_source_file VARCHAR"]);
    expect((await rowsOf(table)).map((r) => [r.id, r.amount, r.code])).toEqual([
      ["1", "12.50", "7"],
      ["2", "3.00", "8"],
      ["3", "0.10", "9"],
    ]);
    expect(await versionsOf(ing.id)).toHaveLength(1);
  });

  it("a hinted column whose value does not convert fails its file with DuckDB's conversion message, naming the file", async () => {
    const { ing, landing } = await ingestion({ evolutionMode: "ADD_NEW_COLUMNS", hints: { n: "INTEGER" } });
    await writeFiles(landing, { "ok.jsonl": jsonl([{ n: 1 }]), "bad.jsonl": jsonl([{ n: "twelve" }]) });
    const run = await runToEnd(suite.world, ing.id);
    expect(run).toMatchObject({ status: "PARTIAL", filesLoaded: 1, filesFailed: 1 });
    expect((await fileStates(suite.world, ing.id))["bad.jsonl"]?.error).toBe(
      `${landing}/bad.jsonl: Conversion Error: Could not convert string 'twelve' to INT32 when casting from source column n`,
    );
  });

  // Casts to an integer column round in DuckDB (1.5 → 2): no mode may change a value silently.
  it("ADD_NEW_COLUMNS does not round a fractional value into an integer column", async () => {
    const { ing, landing, table } = await ingestion({ evolutionMode: "ADD_NEW_COLUMNS", hints: {} });
    await writeFiles(landing, { "1.jsonl": jsonl([{ id: 1, amount: 10 }]) });
    await runToEnd(suite.world, ing.id);
    // Mixed number and string values make the batch's type JSON, not DOUBLE.
    await writeFiles(landing, { "2.jsonl": jsonl([{ id: 2, amount: 1.5 }, { id: 3, amount: "7" }]) });
    await runToEnd(suite.world, ing.id);
    const file = (await fileStates(suite.world, ing.id))["2.jsonl"];
    const row = (await rowsOf(table)).find((r) => r.id === "2");
    // Either the file fails, or the value keeps its fraction.
    expect({ file: file?.status, amount: String(row?.amount) }).toSatisfy(
      (v: { file: string | undefined; amount: string }) => v.file === "FAILED" || v.amount === "1.5",
    );
  });

  it("RESCUE does not round a fractional value into an integer column: it keeps it or rescues it", async () => {
    const { ing, landing, table } = await ingestion({ evolutionMode: "RESCUE", hints: {} });
    await writeFiles(landing, { "1.jsonl": jsonl([{ id: 1, amount: 10 }]) });
    await runToEnd(suite.world, ing.id);
    await writeFiles(landing, { "2.jsonl": jsonl([{ id: 2, amount: 1.5 }, { id: 3, amount: "abc" }]) });
    await runToEnd(suite.world, ing.id);
    const row = (await rowsOf(table)).find((r) => r.id === "2");
    const rescued = row?._rescued_data ? (JSON.parse(String(row._rescued_data)) as { amount?: unknown }) : {};
    expect({ amount: String(row?.amount), rescued: rescued.amount === undefined ? null : String(rescued.amount) }).toSatisfy(
      (v: { amount: string; rescued: string | null }) => v.amount === "1.5" || v.rescued === "1.5",
    );
  });
});
