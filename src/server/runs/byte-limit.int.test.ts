// maxBytesPerRun counts what a run reads (real gzip files, DuckDB, PGlite and PostgreSQL): a gzip
// of many rows counts by its uncompressed size, files past the limit wait PENDING for the next run,
// and a file that alone exceeds the limit fails as DATA naming both sizes.
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, expect, it } from "vitest";
import { triggerRun } from "@/server/services/runs/trigger-run";
import { createTestDatabase, describeEachDatabase, type TestDatabase, createRunWorld, type RunWorld } from "@/test/world";
import { jsonl, makeIngestion, writeFiles } from "@/test/run-fixtures";
import { readSizeOf } from "./read-size";

/** `rows` JSON lines, ids from `from`: about 60 bytes a row, compressing some 20 times. */
const rowsFrom = (from: number, rows: number) => jsonl(Array.from({ length: rows }, (_, i) => ({ id: from + i, pad: "y".repeat(40) })));

describeEachDatabase("per-run byte limit", (kind) => {
  let t: TestDatabase;
  let world: RunWorld;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    world = await createRunWorld(t.database.prisma);
  });
  afterAll(async () => {
    await world.cleanup();
    await t.destroy();
  });

  const count = (table: string) =>
    world.deps.engine.warehouse.withConnection(world.tenant.slug, async (c) => {
      const r = await c.runAndReadAll(`SELECT count(*)::INT AS n, count(DISTINCT id)::INT AS d FROM raw."${table}"`);
      return r.getRowObjectsJson()[0];
    });

  it("counts gzip files by their uncompressed size: past the limit they wait PENDING and the next run loads them, once", async () => {
    const dir = `gz_${kind}`;
    const landing = path.join(world.root, dir);
    // Three files of 20,000 rows: about 1.2 MB each to read, some 60 KB each listed.
    await writeFiles(landing, {
      "a.jsonl.gz": gzipSync(rowsFrom(0, 20_000)),
      "b.jsonl.gz": gzipSync(rowsFrom(20_000, 20_000)),
      "c.jsonl.gz": gzipSync(rowsFrom(40_000, 20_000)),
    });
    const a = await readSizeOf(path.join(landing, "a.jsonl.gz"));
    expect(a.compression).toBe("gzip");
    expect(a.stored * 10).toBeLessThan(a.bytes);
    // Room for two files' rows, and for all three files' listed bytes many times over.
    const limit = Math.floor(a.bytes * 2.5);
    const ing = await makeIngestion(world, {
      source: { uri: landing },
      destination: { schema: "raw", table: dir },
      limits: { maxFilesPerRun: null, maxBytesPerRun: limit },
    });
    const first = (await triggerRun(world.deps, world.tenant.id, ing.id)).runId;
    await world.executor.idle();
    expect(await t.database.prisma.run.findUniqueOrThrow({ where: { id: first } })).toMatchObject({
      status: "SUCCEEDED",
      filesLoaded: 2,
      filesFailed: 0,
      rowsLoaded: 40_000n,
      error: null,
    });
    const files = await t.database.prisma.processedFile.findMany({ where: { ingestionId: ing.id }, orderBy: { path: "asc" } });
    expect(files.map((f) => [f.path, f.status, f.retryCount])).toEqual([
      ["a.jsonl.gz", "SUCCESS", 0],
      ["b.jsonl.gz", "SUCCESS", 0],
      ["c.jsonl.gz", "PENDING", 0],
    ]);
    expect(await count(dir)).toEqual({ n: 40_000, d: 40_000 });

    const second = (await triggerRun(world.deps, world.tenant.id, ing.id)).runId;
    await world.executor.idle();
    expect(await t.database.prisma.run.findUniqueOrThrow({ where: { id: second } })).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1 });
    expect(await count(dir)).toEqual({ n: 60_000, d: 60_000 });
  });

  it("fails a file that alone reads more than the limit as DATA, naming both sizes and the setting, and loads the others", async () => {
    const dir = `gz_big_${kind}`;
    const landing = path.join(world.root, dir);
    await writeFiles(landing, { "big.jsonl.gz": gzipSync(rowsFrom(0, 50_000)) });
    await writeFiles(landing, { "small.jsonl": rowsFrom(50_000, 10) });
    const big = await readSizeOf(path.join(landing, "big.jsonl.gz"));
    const limit = 1_000_000;
    expect(big.stored).toBeLessThan(limit);
    expect(big.bytes).toBeGreaterThan(limit);
    const ing = await makeIngestion(world, {
      source: { uri: landing },
      destination: { schema: "raw", table: dir },
      limits: { maxFilesPerRun: null, maxBytesPerRun: limit },
    });
    const run = (await triggerRun(world.deps, world.tenant.id, ing.id)).runId;
    await world.executor.idle();
    expect(await t.database.prisma.run.findUniqueOrThrow({ where: { id: run } })).toMatchObject({ status: "PARTIAL", filesLoaded: 1, filesFailed: 1 });
    const failed = await t.database.prisma.processedFile.findFirstOrThrow({ where: { ingestionId: ing.id, path: "big.jsonl.gz" } });
    expect(failed).toMatchObject({
      status: "FAILED",
      failureKind: "DATA",
      // Inflating stopped once past the limit: the message says "over", not the whole size.
      error: `The file alone reads over ${limit} bytes uncompressed (${big.stored} bytes gzip), more than the ingestion's maxBytesPerRun of ${limit} bytes; raise limits.maxBytesPerRun to load it`,
    });
    expect(await count(dir)).toEqual({ n: 10, d: 10 });
  });

  it("counts every gzip member: a trailing empty member (whose ISIZE is 0) hides no rows from the limit", async () => {
    const dir = `gz_members_${kind}`;
    const landing = path.join(world.root, dir);
    // 50,000 rows, then an empty gzip member: the file's last ISIZE says 0 bytes.
    const crafted = Buffer.concat([gzipSync(rowsFrom(0, 50_000)), gzipSync(Buffer.alloc(0))]);
    expect(crafted.readUInt32LE(crafted.length - 4)).toBe(0);
    await writeFiles(landing, { "members.jsonl.gz": crafted, "small.jsonl": rowsFrom(50_000, 10) });
    const full = await readSizeOf(path.join(landing, "members.jsonl.gz"));
    expect(full).toMatchObject({ compression: "gzip", bytes: rowsFrom(0, 50_000).length, stored: crafted.length });
    expect(await readSizeOf(path.join(landing, "members.jsonl.gz"), 1000)).toMatchObject({ atLeast: true });
    const limit = 1_000_000;
    const ing = await makeIngestion(world, {
      source: { uri: landing },
      destination: { schema: "raw", table: dir },
      limits: { maxFilesPerRun: null, maxBytesPerRun: limit },
    });
    const run = (await triggerRun(world.deps, world.tenant.id, ing.id)).runId;
    await world.executor.idle();
    expect(await t.database.prisma.run.findUniqueOrThrow({ where: { id: run } })).toMatchObject({ status: "PARTIAL", filesLoaded: 1, filesFailed: 1 });
    const failed = await t.database.prisma.processedFile.findFirstOrThrow({ where: { ingestionId: ing.id, path: "members.jsonl.gz" } });
    expect(failed).toMatchObject({ status: "FAILED", failureKind: "DATA", rowCount: null });
    expect(await count(dir)).toEqual({ n: 10, d: 10 });
  });
});
