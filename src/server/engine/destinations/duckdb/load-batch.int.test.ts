// loadBatch straight on a DuckDB warehouse file: split isolation, the ledger, per-file counts.
// The files sit in a directory that plays the S3 staging directory, so messages and
// _source_file must name the source URI (s3://…), never the local copy.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSchema } from "@/shared/contracts/ingestions";
import type { EvolutionModeValue } from "@/server/domain/schema-evolution";
import { jsonl, writeFiles } from "@/test/run-fixtures";
import type { BatchFile, LoadTarget } from "../destination";
import { loadBatch } from "./load-batch";
import { Warehouse } from "./warehouse";

const URI = "s3://bucket/landing/";
const JSON_FORMAT = formatSchema.parse({ type: "JSON" });

let dir: string;
let warehouse: Warehouse;
let tableNo = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "autoloader-load-batch-"));
  warehouse = new Warehouse(path.join(dir, "warehouse"));
});
afterAll(async () => {
  await warehouse.close();
  await rm(dir, { recursive: true, force: true });
});

/** A load target plus the directory its test files are written to. */
type TestTarget = LoadTarget & { readRoot: string };

/** A fresh target (own table and ingestion id) reading from its own directory under `dir`. */
async function target(opts: { mode?: EvolutionModeValue; root?: string } = {}): Promise<TestTarget> {
  tableNo += 1;
  const readRoot = opts.root ?? path.join(dir, `staging-${tableNo}`);
  return {
    ingestionId: `ing-${tableNo}`,
    runId: `run-${tableNo}`,
    schema: "raw",
    table: `t${tableNo}`,
    format: JSON_FORMAT,
    mode: opts.mode ?? "ADD_NEW_COLUMNS",
    hints: {},
    readRoot,
    uriPrefix: URI,
  };
}

const batchOf = (t: TestTarget, paths: string[]): BatchFile[] =>
  paths.map((p) => ({ id: `id:${p}`, path: p, localPath: path.join(t.readRoot, p) }));

const withC = <T>(fn: (c: DuckDBConnection) => Promise<T>) => warehouse.withConnection("acme", fn);

async function query(sql: string) {
  return withC(async (c) => (await c.runAndReadAll(sql)).getRowObjectsJson());
}

async function countsBySourceFile(t: LoadTarget): Promise<Record<string, number>> {
  const rows = (await query(
    `SELECT _source_file AS f, count(*) AS n FROM raw.${t.table} GROUP BY 1 ORDER BY 1`,
  )) as { f: string; n: string }[];
  return Object.fromEntries(rows.map((r) => [r.f, Number(r.n)]));
}

async function ledger(t: LoadTarget) {
  return query(
    `SELECT path, run_id, row_count FROM _autoloader.loaded_files WHERE ingestion_id = '${t.ingestionId}' ORDER BY path`,
  );
}

/** `n` rows for file `k`, with ids that say where they came from. */
const rowsFor = (k: number, n: number) => Array.from({ length: n }, (_, i) => ({ id: k * 100 + i, file: k }));

describe("loadBatch", () => {
  it("isolates one bad file among eight: only it fails, with DuckDB's message naming its source URI", async () => {
    const t = await target();
    const files: Record<string, string> = {};
    for (let k = 1; k <= 8; k++) files[`f${k}.jsonl`] = k === 5 ? '{"id": 500, "file": 5}\n{"id": oops\n' : jsonl(rowsFor(k, k));
    await writeFiles(t.readRoot, files);
    const batch = batchOf(t, Object.keys(files));

    const out = await withC((c) => loadBatch(c, t, batch));

    expect(out.failed).toHaveLength(1);
    const failure = out.failed[0];
    expect(failure).toMatchObject({ id: "id:f5.jsonl", path: "f5.jsonl" });
    expect(failure?.error).toMatch(/^Invalid Input Error: Malformed JSON in file "s3:\/\/bucket\/landing\/f5\.jsonl"/);
    expect(failure?.error).not.toContain(t.readRoot);
    expect(out.loaded.sort((a, b) => a.path.localeCompare(b.path))).toEqual(
      [1, 2, 3, 4, 6, 7, 8].map((k) => ({ id: `id:f${k}.jsonl`, path: `f${k}.jsonl`, rows: k })),
    );
    expect(await countsBySourceFile(t)).toEqual(
      Object.fromEntries([1, 2, 3, 4, 6, 7, 8].map((k) => [`${URI}f${k}.jsonl`, k])),
    );
    expect(await ledger(t)).toEqual(
      [1, 2, 3, 4, 6, 7, 8].map((k) => ({ path: `f${k}.jsonl`, run_id: t.runId, row_count: String(k) })),
    );
    expect(out.tableColumns).toEqual([
      { name: "id", type: "BIGINT" },
      { name: "file", type: "BIGINT" },
      { name: "_source_file", type: "VARCHAR" },
    ]);
  });

  // From 100 files a batch is read once into a temporary table: the same isolation must hold.
  it("isolates one bad file among 150 small ones, and counts every other file's rows", async () => {
    const t = await target();
    const files: Record<string, string> = {};
    for (let k = 1; k <= 150; k++) files[`f${String(k).padStart(3, "0")}.jsonl`] = k === 77 ? '{"id": oops\n' : jsonl(rowsFor(k, 2));
    await writeFiles(t.readRoot, files);
    const out = await withC((c) => loadBatch(c, t, batchOf(t, Object.keys(files))));
    expect(out.failed.map((f) => f.path)).toEqual(["f077.jsonl"]);
    expect(out.failed[0]?.error).toMatch(/^Invalid Input Error: Malformed JSON in file "s3:\/\/bucket\/landing\/f077\.jsonl"/);
    expect(out.loaded).toHaveLength(149);
    expect(out.loaded.every((l) => l.rows === 2)).toBe(true);
    const counts = await countsBySourceFile(t);
    expect(Object.keys(counts)).toHaveLength(149);
    expect(Object.values(counts).every((n) => n === 2)).toBe(true);
    expect(await ledger(t)).toHaveLength(149);
  });

  it("after isolating the bad files, commits the others together once: trial loads leave nothing behind", async () => {
    const t = await target();
    await writeFiles(t.readRoot, {
      "1.jsonl": jsonl([{ id: 1, v: 1 }]),
      "2.jsonl": jsonl([{ id: 2, v: 2 }]),
      "3.jsonl": '{"id": 3, "v": oops\n',
      "4.jsonl": jsonl([{ id: 4, v: "four" }]),
      "5.jsonl": "[1, 2\n",
      "6.jsonl": jsonl([{ id: 6, v: { six: 6 } }]),
    });
    const commits: string[][] = [];
    const out = await withC((c) =>
      loadBatch(c, t, batchOf(t, ["1.jsonl", "2.jsonl", "3.jsonl", "4.jsonl", "5.jsonl", "6.jsonl"]), {
        afterWarehouseCommit: (files) => void commits.push(files.map((f) => f.path)),
      }),
    );
    expect(out.failed.map((f) => [f.path, f.kind])).toEqual([
      ["3.jsonl", "DATA"],
      ["5.jsonl", "DATA"],
    ]);
    expect(commits).toEqual([["1.jsonl", "2.jsonl", "4.jsonl", "6.jsonl"]]);
    expect(out.tableColumns).toEqual([
      { name: "id", type: "BIGINT" },
      { name: "v", type: "JSON" },
      { name: "_source_file", type: "VARCHAR" },
    ]);
    expect(await ledger(t)).toEqual(["1.jsonl", "2.jsonl", "4.jsonl", "6.jsonl"].map((p) => ({ path: p, run_id: t.runId, row_count: "1" })));
    expect(await countsBySourceFile(t)).toEqual(Object.fromEntries(["1", "2", "4", "6"].map((k) => [`${URI}${k}.jsonl`, 1])));
  });

  it("fails every file of a batch of bad files, each with its own message", async () => {
    const t = await target();
    await writeFiles(t.readRoot, { "a.jsonl": "{nope\n", "b.jsonl": "[1, 2\n" });
    const out = await withC((c) => loadBatch(c, t, batchOf(t, ["a.jsonl", "b.jsonl"])));
    expect(out.loaded).toEqual([]);
    expect(out.failed.map((f) => [f.path, f.error.includes(`"${URI}${f.path}"`)])).toEqual([
      ["a.jsonl", true],
      ["b.jsonl", true],
    ]);
    expect(out.tableColumns).toBeNull();
    expect(await ledger(t)).toEqual([]);
  });

  it("reports a file the ledger already holds as loaded with the ledger's count, and does not insert it again", async () => {
    const t = await target();
    await writeFiles(t.readRoot, { "old.jsonl": jsonl(rowsFor(1, 3)), "new.jsonl": jsonl(rowsFor(2, 2)) });
    await withC((c) =>
      c.run(
        `INSERT INTO _autoloader.loaded_files (ingestion_id, table_schema, table_name, path, source_file, run_id, row_count, loaded_at)
         VALUES ('${t.ingestionId}', '${t.schema}', '${t.table}', 'old.jsonl', '${URI}old.jsonl', 'crashed-run', 42, TIMESTAMP '2026-01-01 00:00:00')`,
      ),
    );

    const out = await withC((c) => loadBatch(c, t, batchOf(t, ["old.jsonl", "new.jsonl"])));

    expect(out.failed).toEqual([]);
    expect(out.loaded).toEqual([
      { id: "id:old.jsonl", path: "old.jsonl", rows: 42 },
      { id: "id:new.jsonl", path: "new.jsonl", rows: 2 },
    ]);
    expect(await countsBySourceFile(t)).toEqual({ [`${URI}new.jsonl`]: 2 });
    expect(await ledger(t)).toEqual([
      { path: "new.jsonl", run_id: t.runId, row_count: "2" },
      { path: "old.jsonl", run_id: "crashed-run", row_count: "42" },
    ]);
  });

  it("loads a batch twice only once: the second time every file comes from the ledger", async () => {
    const t = await target();
    await writeFiles(t.readRoot, { "a.jsonl": jsonl(rowsFor(1, 2)), "b.jsonl": jsonl(rowsFor(2, 3)) });
    const batch = batchOf(t, ["a.jsonl", "b.jsonl"]);
    const first = await withC((c) => loadBatch(c, t, batch));
    const second = await withC((c) => loadBatch(c, t, batch));
    expect(second).toEqual(first);
    expect(await countsBySourceFile(t)).toEqual({ [`${URI}a.jsonl`]: 2, [`${URI}b.jsonl`]: 3 });
  });

  it("counts rows per file right when the batch also adds and widens columns", async () => {
    const t = await target();
    await writeFiles(t.readRoot, {
      "1.jsonl": jsonl(rowsFor(1, 4)),
      "2a.jsonl": jsonl([{ id: 1.5, file: 2, extra: "x" }, { id: 2.5, file: 2 }]),
      "2b.jsonl": jsonl([{ id: 7, file: 3 }]),
    });
    await withC((c) => loadBatch(c, t, batchOf(t, ["1.jsonl"])));
    const out = await withC((c) => loadBatch(c, t, batchOf(t, ["2a.jsonl", "2b.jsonl"])));
    expect(out.loaded).toEqual([
      { id: "id:2a.jsonl", path: "2a.jsonl", rows: 2 },
      { id: "id:2b.jsonl", path: "2b.jsonl", rows: 1 },
    ]);
    expect(out.tableColumns).toEqual([
      { name: "id", type: "DOUBLE" },
      { name: "file", type: "BIGINT" },
      { name: "_source_file", type: "VARCHAR" },
      { name: "extra", type: "VARCHAR" },
    ]);
    expect(await countsBySourceFile(t)).toEqual({ [`${URI}1.jsonl`]: 4, [`${URI}2a.jsonl`]: 2, [`${URI}2b.jsonl`]: 1 });
  });

  it("commits the batch before the afterWarehouseCommit hook runs, so a crash there leaves rows and ledger in place", async () => {
    const t = await target();
    await writeFiles(t.readRoot, { "a.jsonl": jsonl(rowsFor(1, 3)) });
    const seen: string[] = [];
    const crash = withC((c) =>
      loadBatch(c, t, batchOf(t, ["a.jsonl"]), {
        afterWarehouseCommit(files) {
          seen.push(...files.map((f) => f.path));
          throw new Error("crash after commit");
        },
      }),
    );
    await expect(crash).rejects.toThrow("crash after commit");
    expect(seen).toEqual(["a.jsonl"]);
    expect(await countsBySourceFile(t)).toEqual({ [`${URI}a.jsonl`]: 3 });
    expect(await ledger(t)).toEqual([{ path: "a.jsonl", run_id: t.runId, row_count: "3" }]);
  });

  it("FAIL_ON_NEW_COLUMNS fails only the files that carry a new column", async () => {
    const t = await target({ mode: "FAIL_ON_NEW_COLUMNS" });
    await writeFiles(t.readRoot, {
      "base.jsonl": jsonl(rowsFor(1, 1)),
      "plain.jsonl": jsonl(rowsFor(2, 2)),
      "extra.jsonl": jsonl([{ id: 300, file: 3, extra: true }]),
      "nullextra.jsonl": jsonl([{ id: 400, file: 4, extra: null }]),
    });
    await withC((c) => loadBatch(c, t, batchOf(t, ["base.jsonl"])));
    const out = await withC((c) => loadBatch(c, t, batchOf(t, ["plain.jsonl", "extra.jsonl", "nullextra.jsonl"])));
    expect(out.failed).toEqual([
      { id: "id:extra.jsonl", path: "extra.jsonl", error: `${URI}extra.jsonl: Schema change not allowed (FAIL_ON_NEW_COLUMNS): new column(s) extra`, kind: "DATA" },
    ]);
    expect(out.loaded.map((l) => [l.path, l.rows]).sort()).toEqual([
      ["nullextra.jsonl", 1],
      ["plain.jsonl", 2],
    ]);
    expect(out.tableColumns?.map((c) => c.name)).toEqual(["id", "file", "_source_file"]);
  });

  // The batch's inferred type is the union over its files: a file whose own values fit the
  // table must not fail because another file in the same batch has a different type.
  it("FAIL_ON_NEW_COLUMNS fails only the file whose values changed type, not its batch neighbours", async () => {
    const t = await target({ mode: "FAIL_ON_NEW_COLUMNS" });
    await writeFiles(t.readRoot, {
      "base.jsonl": jsonl([{ id: 1, amount: 10 }]),
      "ints.jsonl": jsonl([{ id: 2, amount: 20 }]),
      "text.jsonl": jsonl([{ id: 3, amount: "thirty" }]),
    });
    await withC((c) => loadBatch(c, t, batchOf(t, ["base.jsonl"])));
    const out = await withC((c) => loadBatch(c, t, batchOf(t, ["ints.jsonl", "text.jsonl"])));
    expect(out.failed.map((f) => f.path)).toEqual(["text.jsonl"]);
    expect(out.loaded).toEqual([{ id: "id:ints.jsonl", path: "ints.jsonl", rows: 1 }]);
  });

  // DuckDB reads each listed path as a glob pattern: "a[1].jsonl" matches "a1.jsonl".
  it("reads a file whose name has glob characters as itself, not as a pattern", async () => {
    const t = await target();
    await writeFiles(t.readRoot, {
      "a1.jsonl": jsonl(rowsFor(1, 1)),
      "a[1].jsonl": jsonl(rowsFor(2, 2)),
      "b?.jsonl": jsonl(rowsFor(3, 3)),
    });
    const out = await withC((c) => loadBatch(c, t, batchOf(t, ["a1.jsonl", "a[1].jsonl", "b?.jsonl"])));
    expect(out.failed).toEqual([]);
    expect(await countsBySourceFile(t)).toEqual({ [`${URI}a1.jsonl`]: 1, [`${URI}a[1].jsonl`]: 2, [`${URI}b?.jsonl`]: 3 });
    expect(out.loaded.map((l) => [l.path, l.rows])).toEqual([
      ["a1.jsonl", 1],
      ["a[1].jsonl", 2],
      ["b?.jsonl", 3],
    ]);
  });

  // Paths outside the BMP: JavaScript counts them in UTF-16 units, DuckDB in characters.
  it("records _source_file and row counts right when the read root has characters outside the BMP", async () => {
    const t = await target({ root: path.join(dir, "staging-📦") });
    await writeFiles(t.readRoot, { "a.jsonl": jsonl(rowsFor(1, 2)) });
    const out = await withC((c) => loadBatch(c, t, batchOf(t, ["a.jsonl"])));
    expect(await countsBySourceFile(t)).toEqual({ [`${URI}a.jsonl`]: 2 });
    expect(out.loaded).toEqual([{ id: "id:a.jsonl", path: "a.jsonl", rows: 2 }]);
  });
});
