// Data that loaded wrong, or failed when it should not (issue 9, items 6–12), end to end through
// real runs: the metadata database, the local filesystem and a DuckDB warehouse file.
import path from "node:path";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { describe, expect, it } from "vitest";
import type { CreateIngestionDraft } from "@/shared/contracts/ingestions";
import { literal } from "@/server/engine/sql";
import { Warehouse } from "@/server/engine/destinations/duckdb/warehouse";
import { defaultEngineResources } from "@/server/engine/resources";
import { reprocessFiles } from "@/server/services/files/reprocess-files";
import { getRun } from "@/server/services/runs/get-run";
import { withMemoryDuckDb } from "@/test/duckdb-files";
import { createRunWorld, useRunWorld, type RunWorld } from "@/test/world";
import { jsonl, makeIngestion, writeFiles } from "@/test/run-fixtures";
import { fileStates, rowsPerSourceFile, runToEnd, setModified } from "@/test/run-inspection";

const suite = useRunWorld();

let n = 0;
/** A fresh landing directory with `files`, and an ingestion of `format` over it (not run yet). */
async function feed(format: CreateIngestionDraft["format"], files: Record<string, string | Buffer>, world: RunWorld = suite.world) {
  n += 1;
  const landing = path.join(world.root, `odd-${n}`);
  await mkdir(landing, { recursive: true });
  await writeFiles(landing, files);
  // Claimed (and batched) in name order: the order the tests describe.
  const names = Object.keys(files).sort();
  for (const [i, name] of names.entries()) await setModified(landing, name, new Date(Date.UTC(2026, 0, 1, 0, 0, i)));
  const table = `odd${n}`;
  const ing = await makeIngestion(world, { source: { uri: landing }, format, destination: { schema: "raw", table, partitionColumns: [] } });
  return { ing, landing, table: `raw.${table}` };
}

async function query(sql: string, world: RunWorld = suite.world) {
  return world.deps.engine.warehouse.withConnection(world.tenant.slug, async (c) => (await c.runAndReadAll(sql)).getRowObjectsJson());
}

async function columnsOf(table: string, world: RunWorld = suite.world) {
  const [schema, name] = table.split(".") as [string, string];
  const rows = (await query(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ${literal(schema)} AND table_name = ${literal(name)} ORDER BY ordinal_position`,
    world,
  )) as { column_name: string; data_type: string }[];
  return rows.map((x) => `${x.column_name} ${x.data_type}`);
}

const CSV_DEFAULTS = { type: "CSV" } as const;

describe("CSV dialect (item 6)", () => {
  it("detects each file's delimiter when none is set: semicolon- and tab-delimited files load as their columns", async () => {
    const { ing, landing, table } = await feed(CSV_DEFAULTS, {
      "a.csv": "id;name;city\n1;Ada;Oslo\n2;Bob;Lima\n",
      "b.csv": "id\tname\tcity\n3\tCy\tRome\n",
    });
    const run = await runToEnd(suite.world, ing.id);
    expect(run).toMatchObject({ status: "SUCCEEDED", filesLoaded: 2, rowsLoaded: 3n, error: null });
    expect(await columnsOf(table)).toEqual(["id BIGINT", "name VARCHAR", "city VARCHAR", "_source_file VARCHAR"]);
    expect(await query(`SELECT id, name, city, _source_file FROM ${table} ORDER BY id`)).toEqual([
      { id: "1", name: "Ada", city: "Oslo", _source_file: `${landing}/a.csv` },
      { id: "2", name: "Bob", city: "Lima", _source_file: `${landing}/a.csv` },
      { id: "3", name: "Cy", city: "Rome", _source_file: `${landing}/b.csv` },
    ]);
  });

  it("uses the delimiter that is set, as set", async () => {
    const { ing, table } = await feed({ type: "CSV", options: { delimiter: "|" } }, { "a.csv": "id|note\n1|x;y,z\n" });
    expect(await runToEnd(suite.world, ing.id)).toMatchObject({ status: "SUCCEEDED", rowsLoaded: 1n });
    expect(await query(`SELECT id, note FROM ${table}`)).toEqual([{ id: "1", note: "x;y,z" }]);
  });
});

describe("CSV dialect set by hand (item 6, ingestions from before detection)", () => {
  it("a delimiter that is set and leaves one column that looks delimited by another loads as set, with a warning saying what to do", async () => {
    const { ing, table } = await feed({ type: "CSV", options: { delimiter: "," } }, { "a.csv": "id;name;city\n1;Ada;Oslo\n" });
    const run = await runToEnd(suite.world, ing.id);
    expect(run).toMatchObject({ status: "SUCCEEDED", rowsLoaded: 1n });
    expect(await columnsOf(table)).toEqual(["id;name;city VARCHAR", "_source_file VARCHAR"]);
    expect((await getRun(suite.world.deps, suite.world.tenant.id, run.id)).run.warnings).toEqual([
      {
        code: "CSV_DELIMITER_MISMATCH",
        message:
          `The table has one column, "id;name;city", read with the delimiter ","; the files look delimited by ";" (3 columns). ` +
          `An ingestion's format cannot change: create one with the delimiter left empty (detected per file) or set to ";"`,
        column: "id;name;city",
        file: null,
        example: null,
      },
    ]);
  });
});

describe("JSON columns (item 7)", () => {
  it("a column that became JSON takes later files' plain strings, numbers, booleans and objects as JSON values", async () => {
    const { ing, landing, table } = await feed({ type: "JSON" }, { "1.jsonl": jsonl([{ id: 1, v: 1 }, { id: 2, v: "x" }]) });
    expect(await runToEnd(suite.world, ing.id)).toMatchObject({ status: "SUCCEEDED" });
    expect(await columnsOf(table)).toEqual(["id BIGINT", "v JSON", "_source_file VARCHAR"]);
    const later = [
      ["2.jsonl", { id: 3, v: "y" }],
      ["3.jsonl", { id: 4, v: 5 }],
      ["4.jsonl", { id: 5, v: true }],
      ["5.jsonl", { id: 6, v: { k: 1 } }],
      ["6.jsonl", { id: 7, v: [1, "a"] }],
    ] as const;
    for (const [name, row] of later) {
      await writeFiles(landing, { [name]: jsonl([row]) });
      const run = await runToEnd(suite.world, ing.id);
      expect({ name, status: run.status, error: run.error, files: await fileStates(suite.world, ing.id).then((s) => s[name]?.error ?? null) }).toEqual({
        name,
        status: "SUCCEEDED",
        error: null,
        files: null,
      });
    }
    expect(await query(`SELECT id, CAST(v AS VARCHAR) AS v, json_type(v) AS t FROM ${table} ORDER BY id`)).toEqual([
      { id: "1", v: "1", t: "UBIGINT" },
      { id: "2", v: '"x"', t: "VARCHAR" },
      { id: "3", v: '"y"', t: "VARCHAR" },
      { id: "4", v: "5", t: "UBIGINT" },
      { id: "5", v: "true", t: "BOOLEAN" },
      { id: "6", v: '{"k":1}', t: "OBJECT" },
      { id: "7", v: '[1,"a"]', t: "ARRAY" },
    ]);
  });

  it("a text column takes a later file's mixed values as their text, strings without JSON quotes", async () => {
    const { ing, landing, table } = await feed({ type: "JSON" }, { "1.jsonl": jsonl([{ id: 1, v: "a" }]) });
    await runToEnd(suite.world, ing.id);
    await writeFiles(landing, { "2.jsonl": jsonl([{ id: 2, v: "b" }, { id: 3, v: 2 }, { id: 4, v: { k: "c" } }]) });
    expect(await runToEnd(suite.world, ing.id)).toMatchObject({ status: "SUCCEEDED", rowsLoaded: 3n });
    expect(await query(`SELECT id, v FROM ${table} ORDER BY id`)).toEqual([
      { id: "1", v: "a" },
      { id: "2", v: "b" },
      { id: "3", v: "2" },
      { id: "4", v: '{"k":"c"}' },
    ]);
  });
});

describe("bad files do not change how good files load (item 8)", () => {
  /** Loads `good` alone, then `good` plus `bad` in one batch, and compares the two tables. */
  async function compareWithAndWithout(format: CreateIngestionDraft["format"], write: (dir: string, withBad: boolean) => Promise<string[]>) {
    n += 1;
    const clean = path.join(suite.world.root, `clean-${n}`);
    const dirty = path.join(suite.world.root, `dirty-${n}`);
    const goodNames = await write(clean, false);
    const allNames = await write(dirty, true);
    for (const [dir, names] of [[clean, goodNames], [dirty, allNames]] as const) {
      for (const [i, name] of [...names].sort().entries()) await setModified(dir, name, new Date(Date.UTC(2026, 0, 1, 0, 0, i)));
    }
    const a = await makeIngestion(suite.world, { source: { uri: clean }, format, destination: { schema: "raw", table: `clean${n}`, partitionColumns: [] } });
    const b = await makeIngestion(suite.world, { source: { uri: dirty }, format, destination: { schema: "raw", table: `dirty${n}`, partitionColumns: [] } });
    const runA = await runToEnd(suite.world, a.id);
    const runB = await runToEnd(suite.world, b.id);
    const rows = async (table: string, dir: string) =>
      (await query(`SELECT * EXCLUDE (_source_file), replace(_source_file, ${literal(dir)}, '') AS f FROM raw.${table} ORDER BY ALL`)) as object[];
    return {
      runA,
      runB,
      filesB: await fileStates(suite.world, b.id),
      columns: [await columnsOf(`raw.clean${n}`), await columnsOf(`raw.dirty${n}`)],
      rows: [await rows(`clean${n}`, clean), await rows(`dirty${n}`, dirty)],
    };
  }

  it("JSON values of different types: with a corrupt file in the batch the others load as they do without it", async () => {
    const out = await compareWithAndWithout({ type: "JSON" }, async (dir, withBad) => {
      const files: Record<string, string> = {
        "1.jsonl": jsonl([{ id: 1, v: 1 }]),
        "2.jsonl": jsonl([{ id: 2, v: 2 }]),
        "4.jsonl": jsonl([{ id: 4, v: "four" }]),
        "5.jsonl": jsonl([{ id: 5, v: { five: 5 } }]),
      };
      if (withBad) files["3.jsonl"] = '{"id": 3, "v": oops\n';
      await writeFiles(dir, files);
      return Object.keys(files);
    });
    expect(out.runA).toMatchObject({ status: "SUCCEEDED", filesLoaded: 4 });
    expect(out.runB).toMatchObject({ status: "PARTIAL", filesLoaded: 4, filesFailed: 1 });
    expect(Object.entries(out.filesB).map(([p, s]) => [p, s.status])).toEqual([
      ["1.jsonl", "SUCCESS"],
      ["2.jsonl", "SUCCESS"],
      ["3.jsonl", "FAILED"],
      ["4.jsonl", "SUCCESS"],
      ["5.jsonl", "SUCCESS"],
    ]);
    expect(out.columns[0]).toEqual(["id BIGINT", "v JSON", "_source_file VARCHAR"]);
    expect(out.columns[1]).toEqual(out.columns[0]);
    expect(out.rows[1]).toEqual(out.rows[0]);
  });

  it("Parquet files whose column types differ: a corrupt file among them changes nothing for the others", async () => {
    const out = await compareWithAndWithout({ type: "PARQUET" }, async (dir, withBad) => {
      await mkdir(dir, { recursive: true });
      if (withBad) await writeFiles(dir, { "3.parquet": "PAR1 this is not parquet" });
      await withMemoryDuckDb(async (c) => {
        await c.run(`COPY (SELECT 1::INTEGER AS id, 10::INTEGER AS x) TO ${literal(path.join(dir, "1.parquet"))} (FORMAT parquet)`);
        await c.run(`COPY (SELECT 2::INTEGER AS id, 20::INTEGER AS x) TO ${literal(path.join(dir, "2.parquet"))} (FORMAT parquet)`);
        await c.run(`COPY (SELECT 4::INTEGER AS id, 'forty' AS x) TO ${literal(path.join(dir, "4.parquet"))} (FORMAT parquet)`);
      });
      return ["1.parquet", "2.parquet", "4.parquet", ...(withBad ? ["3.parquet"] : [])];
    });
    expect(out.runA).toMatchObject({ status: "SUCCEEDED", filesLoaded: 3 });
    expect(out.runB).toMatchObject({ status: "PARTIAL", filesLoaded: 3, filesFailed: 1 });
    expect(out.filesB["3.parquet"]?.status).toBe("FAILED");
    expect(out.columns[1]).toEqual(out.columns[0]);
    expect(out.rows[1]).toEqual(out.rows[0]);
    expect(out.rows[0]).toEqual([
      { id: 1, x: "10", f: "/1.parquet" },
      { id: 2, x: "20", f: "/2.parquet" },
      { id: 4, x: "forty", f: "/4.parquet" },
    ]);
  });
});

describe("any key is a column (item 9)", () => {
  it("a key with a NUL character loads as a renamed column, reported on the run and its schema version", async () => {
    const { ing, landing, table } = await feed({ type: "JSON" }, { "a.jsonl": '{"a\\u0000b": 1, "x": 2}\n' });
    const run = await runToEnd(suite.world, ing.id);
    expect(run).toMatchObject({ status: "SUCCEEDED", rowsLoaded: 1n, error: null });
    expect(await columnsOf(table)).toEqual(["a\u2400b BIGINT", "x BIGINT", "_source_file VARCHAR"]);
    expect(await query(`SELECT "a\u2400b" AS v, x, _source_file FROM ${table}`)).toEqual([{ v: "1", x: "2", _source_file: `${landing}/a.jsonl` }]);
    const renamed = {
      code: "COLUMN_RENAMED",
      message: `Key "a\\u0000b" contains a NUL character, which no column name can hold: loaded as column 'a\u2400b'`,
      column: "a\u2400b",
      file: null,
      example: null,
    };
    const detail = await getRun(suite.world.deps, suite.world.tenant.id, run.id);
    expect(detail.run.warnings).toEqual([renamed]);
    expect(detail.schemaVersions.map((v) => [v.version, v.warnings])).toEqual([[1, [renamed]]]);
  });

  it("keys named like the loader's internal columns and rowid are data: lineage stays true, counts stay right, reprocess doubles nothing", async () => {
    const hostile = (id: number) => ({ id, __al_uri: "u", __al_file: "f", __al_local: "l", __al_stage: "s", _source_file: "spoofed", rowid: 1000 + id });
    const { ing, landing, table } = await feed({ type: "JSON" }, {
      "a.jsonl": jsonl([hostile(1), hostile(2), hostile(3)]),
      "b.jsonl": jsonl([{ id: 4, rowid: 7 }]),
    });
    const run = await runToEnd(suite.world, ing.id);
    expect(run).toMatchObject({ status: "SUCCEEDED", filesLoaded: 2, rowsLoaded: 4n, error: null });
    const files = await fileStates(suite.world, ing.id);
    expect([files["a.jsonl"]?.rowCount, files["b.jsonl"]?.rowCount]).toEqual([3, 1]);
    expect(await query(`SELECT id, __al_uri, __al_file, "rowid", _source_file_1, _source_file FROM ${table} ORDER BY id`)).toEqual([
      { id: "1", __al_uri: "u", __al_file: "f", rowid: "1001", _source_file_1: "spoofed", _source_file: `${landing}/a.jsonl` },
      { id: "2", __al_uri: "u", __al_file: "f", rowid: "1002", _source_file_1: "spoofed", _source_file: `${landing}/a.jsonl` },
      { id: "3", __al_uri: "u", __al_file: "f", rowid: "1003", _source_file_1: "spoofed", _source_file: `${landing}/a.jsonl` },
      { id: "4", __al_uri: null, __al_file: null, rowid: "7", _source_file_1: null, _source_file: `${landing}/b.jsonl` },
    ]);
    await reprocessFiles(suite.world.deps, suite.world.tenant.id, { ingestionId: ing.id, filter: { status: "SUCCESS" } });
    expect(await runToEnd(suite.world, ing.id)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 2, rowsLoaded: 4n });
    expect(await rowsPerSourceFile(suite.world, table)).toEqual({ [`${landing}/a.jsonl`]: 3, [`${landing}/b.jsonl`]: 1 });
  });
});

describe("rescued data keeps its lineage key", () => {
  it("RESCUE: a rescued data column named _file_path never overwrites the file's URI in _rescued_data", async () => {
    n += 1;
    const landing = path.join(suite.world.root, `rescue-${n}`);
    await writeFiles(landing, { "1.jsonl": jsonl([{ id: 1 }]) });
    const ing = await makeIngestion(suite.world, {
      source: { uri: landing },
      format: { type: "JSON" },
      destination: { schema: "raw", table: `rescue${n}`, partitionColumns: [] },
      schemaPolicy: { evolutionMode: "RESCUE", hints: {} },
    });
    await runToEnd(suite.world, ing.id);
    await writeFiles(landing, { "2.jsonl": jsonl([{ id: 2, _file_path: "spoofed" }]) });
    expect(await runToEnd(suite.world, ing.id)).toMatchObject({ status: "SUCCEEDED" });
    expect(await query(`SELECT id, CAST(_rescued_data AS VARCHAR) AS r FROM raw.rescue${n} ORDER BY id`)).toEqual([
      { id: "1", r: null },
      { id: "2", r: JSON.stringify({ _file_path_1: "spoofed", _file_path: `${landing}/2.jsonl` }) },
    ]);
  });
});

describe("memory (item 10)", () => {
  /** A 58 KB Parquet file whose map of large strings needs about a gigabyte to read. */
  async function bigMapParquet(dir: string) {
    await withMemoryDuckDb(async (c) => {
      await c.run(
        `COPY (SELECT map_from_entries(list_transform(range(2000), i -> {'k': 'k' || i, 'v': repeat('x', 100000)})) AS m FROM range(3))
         TO ${literal(path.join(dir, "big.parquet"))} (FORMAT parquet, COMPRESSION zstd)`,
      );
    });
  }

  it("with the defaults sized from this machine a small file with a huge map loads", async () => {
    const { ing, landing, table } = await feed({ type: "PARQUET" }, {});
    await bigMapParquet(landing);
    expect(await runToEnd(suite.world, ing.id)).toMatchObject({ status: "SUCCEEDED", rowsLoaded: 3n, error: null });
    expect(await query(`SELECT count(*) AS n, sum(cardinality(m)) AS entries FROM ${table}`)).toEqual([{ n: "3", entries: "6000" }]);
    expect(defaultEngineResources().memoryLimit).not.toBe("384MB");
  });

  it("under a memory limit too small for it the file fails alone, named, as a failure worth retrying", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "autoloader-small-memory-"));
    const world = await createRunWorld(suite.world.deps.db, { engine: { warehouse: new Warehouse(dir, { memoryLimit: "200MB", threads: 1 }) } });
    try {
      const { ing, landing } = await feed({ type: "PARQUET" }, { "ok.parquet": "" }, world);
      await withMemoryDuckDb(async (c) => {
        await c.run(`COPY (SELECT 1 AS id) TO ${literal(path.join(landing, "ok.parquet"))} (FORMAT parquet)`);
      });
      await bigMapParquet(landing);
      const run = await runToEnd(world, ing.id);
      expect(run).toMatchObject({ status: "PARTIAL", filesLoaded: 1, filesFailed: 1 });
      const big = await world.deps.db.processedFile.findFirstOrThrow({ where: { ingestionId: ing.id, path: "big.parquet" } });
      expect(big.status).toBe("FAILED");
      expect(big.failureKind).toBe("TRANSIENT");
      expect(big.error).toMatch(new RegExp(`^${landing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/big\\.parquet: Out of Memory Error: `));
    } finally {
      await world.cleanup();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("per-file errors name their file (item 11)", () => {
  it("a CSV value that does not convert to the table's type fails its file with a message naming it", async () => {
    const { ing, landing } = await feed(CSV_DEFAULTS, { "1.csv": "id,n\n1,10\n" });
    await runToEnd(suite.world, ing.id);
    await writeFiles(landing, { "2.csv": "id,n\n2,x\n" });
    await setModified(landing, "2.csv", new Date(Date.UTC(2026, 0, 2)));
    const run = await runToEnd(suite.world, ing.id);
    expect(run).toMatchObject({ status: "FAILED", filesFailed: 1 });
    expect((await fileStates(suite.world, ing.id))["2.csv"]?.error).toBe(
      `${landing}/2.csv: Conversion Error: Could not convert string 'x' to INT64 when casting from source column n`,
    );
  });
});

describe("silent type drift (item 12)", () => {
  it("one string id among numbers: the column becomes JSON and the run and its schema version say why, with an example", async () => {
    const rows = [...Array.from({ length: 9 }, (_, i) => ({ id: i + 1 })), { id: "abc" }];
    const { ing, landing, table } = await feed({ type: "JSON" }, { "ids.jsonl": jsonl(rows) });
    const run = await runToEnd(suite.world, ing.id);
    expect(run).toMatchObject({ status: "SUCCEEDED", rowsLoaded: 10n });
    expect(await columnsOf(table)).toEqual(["id JSON", "_source_file VARCHAR"]);
    const drift = {
      code: "TYPE_DRIFT",
      message: `Column 'id' became JSON because its values have different types: number in 9 rows, string in 1 row (e.g. "abc" in ${landing}/ids.jsonl)`,
      column: "id",
      file: `${landing}/ids.jsonl`,
      example: '"abc"',
    };
    const detail = await getRun(suite.world.deps, suite.world.tenant.id, run.id);
    expect(detail.run.warnings).toEqual([drift]);
    expect(detail.schemaVersions.map((v) => v.warnings)).toEqual([[drift]]);
    // A later run that adds nothing new says nothing again.
    await writeFiles(landing, { "more.jsonl": jsonl([{ id: 11 }]) });
    const next = await runToEnd(suite.world, ing.id);
    expect((await getRun(suite.world.deps, suite.world.tenant.id, next.id)).run.warnings).toEqual([]);
  });

  it("CSV: a few text values among numbers make the column VARCHAR, and the run says so", async () => {
    const csv = ["id,name", ...Array.from({ length: 10 }, (_, i) => `${i + 1},n${i}`), "x11,last"].join("\n") + "\n";
    const { ing, landing, table } = await feed(CSV_DEFAULTS, { "a.csv": csv });
    const run = await runToEnd(suite.world, ing.id);
    expect(run).toMatchObject({ status: "SUCCEEDED", rowsLoaded: 11n });
    expect(await columnsOf(table)).toEqual(["id VARCHAR", "name VARCHAR", "_source_file VARCHAR"]);
    expect((await getRun(suite.world.deps, suite.world.tenant.id, run.id)).run.warnings).toEqual([
      {
        code: "TYPE_DRIFT",
        message: `Column 'id' became VARCHAR: 10 of 11 values are numbers, the other 1 row text (e.g. "x11" in ${landing}/a.csv)`,
        column: "id",
        file: `${landing}/a.csv`,
        example: "x11",
      },
    ]);
  });
});
