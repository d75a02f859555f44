// Each format and its options, end to end: the exact rows a run writes to the table.
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { CreateIngestionDraft } from "@/shared/contracts/ingestions";
import { literal } from "@/server/engine/sql";
import { withMemoryDuckDb } from "@/test/duckdb-files";
import { useRunWorld } from "@/test/world";
import { jsonl, makeIngestion, tableRows, writeFiles } from "@/test/run-fixtures";
import { fileStates, runToEnd } from "@/test/run-inspection";

const suite = useRunWorld();

let n = 0;
/** Writes `files` to a fresh landing directory, runs an ingestion of `format` over it once. */
async function loadOnce(format: CreateIngestionDraft["format"], files: Record<string, string | Buffer>) {
  n += 1;
  const landing = path.join(suite.world.root, `landing-${n}`);
  await writeFiles(landing, files);
  const ing = await makeIngestion(suite.world, { source: { uri: landing }, format, destination: { schema: "raw", table: `f${n}`, partitionColumns: [] } });
  const run = await runToEnd(suite.world, ing.id);
  return { ing, run, landing, table: `raw.f${n}` };
}

async function columnsOf(table: string) {
  const [schema, name] = table.split(".") as [string, string];
  return suite.world.deps.engine.warehouse.withConnection(suite.world.tenant.slug, async (c) => {
    const r = await c.runAndReadAll(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ${literal(schema)} AND table_name = ${literal(name)} ORDER BY ordinal_position`,
    );
    return (r.getRowObjectsJson() as { column_name: string; data_type: string }[]).map((x) => `${x.column_name} ${x.data_type}`);
  });
}

const rowsOf = (table: string, orderBy: string) => tableRows(suite.world.deps.engine.warehouse, suite.world.tenant.slug, table, orderBy);

describe("formats", () => {
  it("JSON ARRAY: a file holding one top-level array of records", async () => {
    const { run, landing, table } = await loadOnce(
      { type: "JSON", options: { layout: "ARRAY", compression: "AUTO" } },
      { "people.json": JSON.stringify([{ id: 1, name: "Ada", tags: ["x", "y"] }, { id: 2, name: "Linus", tags: [] }]) },
    );
    expect(run).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1, rowsLoaded: 2n });
    expect(await columnsOf(table)).toEqual(["id BIGINT", "name VARCHAR", "tags VARCHAR[]", "_source_file VARCHAR"]);
    expect(await rowsOf(table, "id")).toEqual([
      { id: "1", name: "Ada", tags: ["x", "y"], _source_file: `${landing}/people.json` },
      { id: "2", name: "Linus", tags: [], _source_file: `${landing}/people.json` },
    ]);
  });

  it("JSON NEWLINE_DELIMITED: one record per line, nested objects kept as structs", async () => {
    const { run, landing, table } = await loadOnce(
      { type: "JSON", options: { layout: "NEWLINE_DELIMITED", compression: "AUTO" } },
      { "e.ndjson": jsonl([{ id: 1, at: { city: "Oslo" }, ok: true }, { id: 2, at: { city: "Lima" }, ok: false }, { id: 3, at: null, ok: null }]) },
    );
    expect(run).toMatchObject({ status: "SUCCEEDED", rowsLoaded: 3n, error: null });
    expect(await columnsOf(table)).toEqual(["id BIGINT", "at STRUCT(city VARCHAR)", "ok BOOLEAN", "_source_file VARCHAR"]);
    expect(await rowsOf(table, "id")).toEqual([
      { id: "1", at: { city: "Oslo" }, ok: true, _source_file: `${landing}/e.ndjson` },
      { id: "2", at: { city: "Lima" }, ok: false, _source_file: `${landing}/e.ndjson` },
      { id: "3", at: null, ok: null, _source_file: `${landing}/e.ndjson` },
    ]);
  });

  it("JSON Lines compressed with gzip: detected from the .gz name, and forced with GZIP", async () => {
    const records = [{ id: 1, v: "a" }, { id: 2, v: "b" }];
    const auto = await loadOnce({ type: "JSON" }, { "day/1.jsonl.gz": gzipSync(jsonl(records)) });
    expect(auto.run).toMatchObject({ status: "SUCCEEDED", rowsLoaded: 2n });
    expect(await rowsOf(auto.table, "id")).toEqual(records.map((r) => ({ id: String(r.id), v: r.v, _source_file: `${auto.landing}/day/1.jsonl.gz` })));

    const forced = await loadOnce(
      { type: "JSON", options: { layout: "NEWLINE_DELIMITED", compression: "GZIP" } },
      { "blob.data": gzipSync(jsonl(records)) },
    );
    expect(forced.run).toMatchObject({ status: "SUCCEEDED", rowsLoaded: 2n });
    expect(await rowsOf(forced.table, "id")).toEqual(records.map((r) => ({ id: String(r.id), v: r.v, _source_file: `${forced.landing}/blob.data` })));
  });

  it("JSON with compression NONE reads uncompressed files", async () => {
    const { run, landing, table } = await loadOnce(
      { type: "JSON", options: { layout: "NEWLINE_DELIMITED", compression: "NONE" } },
      { "plain.jsonl": jsonl([{ id: 1 }]) },
    );
    expect(run).toMatchObject({ status: "SUCCEEDED", rowsLoaded: 1n, error: null });
    expect(await rowsOf(table, "id")).toEqual([{ id: "1", _source_file: `${landing}/plain.jsonl` }]);
  });

  it("CSV with compression NONE reads uncompressed files", async () => {
    const { run, landing, table } = await loadOnce(
      { type: "CSV", options: { delimiter: ",", header: true, quote: '"', escape: '"', nullString: "", compression: "NONE" } },
      { "plain.csv": "id\n1\n" },
    );
    expect(run).toMatchObject({ status: "SUCCEEDED", rowsLoaded: 1n, error: null });
    expect(await rowsOf(table, "id")).toEqual([{ id: "1", _source_file: `${landing}/plain.csv` }]);
  });

  it("ZSTD-compressed CSV and JSON Lines (written by DuckDB)", async () => {
    n += 1;
    const dir = path.join(suite.world.root, `zstd-${n}`);
    await writeFiles(dir, { "csv/.keep": "", "json/.keep": "" });
    await withMemoryDuckDb(async (c) => {
      await c.run(`COPY (SELECT 1 AS id, 'x' AS v) TO ${literal(path.join(dir, "csv", "a.csv.zst"))} (FORMAT csv, HEADER true, COMPRESSION zstd)`);
      await c.run(`COPY (SELECT 2 AS id, 'y' AS v) TO ${literal(path.join(dir, "json", "b.jsonl.zst"))} (FORMAT json, COMPRESSION zstd)`);
    });
    const csv = await makeIngestion(suite.world, {
      source: { uri: path.join(dir, "csv") },
      format: { type: "CSV", options: { delimiter: ",", header: true, quote: '"', escape: '"', nullString: "", compression: "ZSTD" } },
      destination: { schema: "raw", table: `zcsv${n}`, partitionColumns: [] },
    });
    const json = await makeIngestion(suite.world, {
      source: { uri: path.join(dir, "json") },
      format: { type: "JSON", options: { layout: "NEWLINE_DELIMITED", compression: "ZSTD" } },
      destination: { schema: "raw", table: `zjson${n}`, partitionColumns: [] },
    });
    expect(await runToEnd(suite.world, csv.id)).toMatchObject({ status: "SUCCEEDED", rowsLoaded: 1n, error: null });
    expect(await runToEnd(suite.world, json.id)).toMatchObject({ status: "SUCCEEDED", rowsLoaded: 1n, error: null });
    expect(await rowsOf(`raw.zcsv${n}`, "id")).toEqual([{ id: "1", v: "x", _source_file: `${dir}/csv/a.csv.zst` }]);
    expect(await rowsOf(`raw.zjson${n}`, "id")).toEqual([{ id: "2", v: "y", _source_file: `${dir}/json/b.jsonl.zst` }]);
  });

  it("CSV with ';' delimiter, no header, quote and escape characters, 'NA' as NULL", async () => {
    const csv = ["1;'Smith; John';NA", "2;'O\\'Brien';3.5", "3;NA;-1"].join("\n") + "\n";
    const { run, landing, table } = await loadOnce(
      { type: "CSV", options: { delimiter: ";", header: false, quote: "'", escape: "\\", nullString: "NA", compression: "AUTO" } },
      { "people.csv": csv },
    );
    expect(run).toMatchObject({ status: "SUCCEEDED", rowsLoaded: 3n });
    expect(await columnsOf(table)).toEqual(["column0 BIGINT", "column1 VARCHAR", "column2 DOUBLE", "_source_file VARCHAR"]);
    const source = `${landing}/people.csv`;
    expect(await rowsOf(table, "column0")).toEqual([
      { column0: "1", column1: "Smith; John", column2: null, _source_file: source },
      { column0: "2", column1: "O'Brien", column2: 3.5, _source_file: source },
      { column0: "3", column1: null, column2: -1, _source_file: source },
    ]);
  });

  it("CSV with a header, compressed with gzip", async () => {
    const csv = 'id,name,amount\n1,"Doe, Jane",10.5\n2,"Quote ""q""",\n';
    const { run, landing, table } = await loadOnce({ type: "CSV" }, { "in/2026.csv.gz": gzipSync(csv) });
    expect(run).toMatchObject({ status: "SUCCEEDED", rowsLoaded: 2n });
    expect(await columnsOf(table)).toEqual(["id BIGINT", "name VARCHAR", "amount DOUBLE", "_source_file VARCHAR"]);
    expect(await rowsOf(table, "id")).toEqual([
      { id: "1", name: "Doe, Jane", amount: 10.5, _source_file: `${landing}/in/2026.csv.gz` },
      { id: "2", name: 'Quote "q"', amount: null, _source_file: `${landing}/in/2026.csv.gz` },
    ]);
  });

  it("Parquet written by DuckDB: types are kept, files with different columns are loaded by name", async () => {
    n += 1;
    const landing = path.join(suite.world.root, `landing-${n}`);
    await writeFiles(landing, { "README.txt": "not data" });
    await withMemoryDuckDb(async (c) => {
      await c.run(
        `COPY (SELECT 1::INTEGER AS id, 'a' AS name, DATE '2026-01-02' AS day, 1.25::DECIMAL(10,2) AS amount
               UNION ALL SELECT 2, 'b', DATE '2026-01-03', 20.5)
         TO ${literal(path.join(landing, "p1.parquet"))} (FORMAT parquet)`,
      );
      await c.run(
        `COPY (SELECT 3::INTEGER AS id, 'c' AS name, true AS flag) TO ${literal(path.join(landing, "p2.parquet"))} (FORMAT parquet)`,
      );
    });
    const ing = await makeIngestion(suite.world, {
      source: { uri: landing, glob: "*.parquet" },
      format: { type: "PARQUET" },
      destination: { schema: "raw", table: `f${n}`, partitionColumns: [] },
    });
    const run = await runToEnd(suite.world, ing.id);
    expect(run).toMatchObject({ status: "SUCCEEDED", filesLoaded: 2, rowsLoaded: 3n });
    expect(Object.fromEntries(Object.entries(await fileStates(suite.world, ing.id)).map(([p, s]) => [p, s.rowCount]))).toEqual({ "p1.parquet": 2, "p2.parquet": 1 });
    const table = `raw.f${n}`;
    expect(await columnsOf(table)).toEqual(["id INTEGER", "name VARCHAR", "day DATE", "amount DECIMAL(10,2)", "flag BOOLEAN", "_source_file VARCHAR"]);
    expect(await rowsOf(table, "id")).toEqual([
      { id: 1, name: "a", day: "2026-01-02", amount: "1.25", flag: null, _source_file: `${landing}/p1.parquet` },
      { id: 2, name: "b", day: "2026-01-03", amount: "20.50", flag: null, _source_file: `${landing}/p1.parquet` },
      { id: 3, name: "c", day: null, amount: null, flag: true, _source_file: `${landing}/p2.parquet` },
    ]);
  });

  it("a file that is not in the ingestion's format fails with the reader's message", async () => {
    const { run, landing } = await loadOnce({ type: "PARQUET" }, { "fake.parquet": "id,name\n1,a\n" });
    expect(run.status).toBe("FAILED");
    expect(run.error).toContain(`All 1 file(s) failed; first: fake.parquet: `);
    expect(run.error).toContain(`${landing}/fake.parquet`);
  });
});
