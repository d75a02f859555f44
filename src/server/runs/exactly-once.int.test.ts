// Exactly once across runs on real parts: PGlite, a DuckDB warehouse file and local files.
// Crashes are injected between the warehouse commit and the metadata update.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { CreateIngestionDraft } from "@/shared/contracts/ingestions";
import { Warehouse } from "@/server/engine/destinations/duckdb/warehouse";
import { DEFAULT_RUN_SETTINGS } from "@/server/runs/run-deps";
import { createTestDatabase, type TestDatabase, createRunWorld, type RunWorld } from "@/test/world";
import { failNextWarehouseUse } from "@/test/maintenance-fixtures";
import type { RecordingLogger } from "@/test/world";
import { jsonl, makeIngestion, writeFiles } from "@/test/run-fixtures";
import { fileStates, fileStatuses, ledgerCounts, rowsPerSourceFile, runToEnd, setModified, type RunRow } from "@/test/run-inspection";

const MAX_RETRIES = 2;
const CRASH = "Simulated crash between the warehouse commit and the metadata update";
/** What a locked or unreadable warehouse file answers. */
const DOWN = "IO Error: Could not set lock on file: Conflicting lock is held";

let t: TestDatabase;
let world: RunWorld;
let scratch: string;
/** Batches containing one of these paths crash once after their warehouse commit. */
const crashOn = new Set<string>();
/** Of those crashes, the ones that leave the warehouse unreadable for its next use (ending the run). */
const downAfterCrashOn = new Set<string>();

beforeAll(async () => {
  t = await createTestDatabase("pglite");
  scratch = await mkdtemp(path.join(os.tmpdir(), "autoloader-exactly-once-"));
  world = await createRunWorld(t.database.prisma, {
    engine: {
      warehouse: new Warehouse(path.join(scratch, "warehouse")),
      // Small batches so a run has several; a low retry limit keeps the retry test short.
      settings: { ...DEFAULT_RUN_SETTINGS, stagingDir: path.join(scratch, "staging"), batchMaxFiles: 2, maxFileRetries: MAX_RETRIES },
      hooks: {
        afterWarehouseCommit(files) {
          const hit = files.find((f) => crashOn.has(f.path));
          if (hit) {
            crashOn.delete(hit.path);
            if (downAfterCrashOn.delete(hit.path)) failNextWarehouseUse(world, DOWN);
            throw new Error(CRASH);
          }
        },
      },
    },
  });
});
// A test that fails leaves no armed crash or warehouse failure to the next one.
afterEach(() => {
  crashOn.clear();
  downAfterCrashOn.clear();
  vi.restoreAllMocks();
});
afterAll(async () => {
  await world.cleanup();
  await rm(scratch, { recursive: true, force: true });
  await t.destroy();
});

let n = 0;
/** An ingestion over a landing directory of its own, loading table raw.<name>. */
async function ingestion(draft: Partial<CreateIngestionDraft> = {}) {
  n += 1;
  const landing = path.join(world.root, `landing-${n}`);
  const table = `events_${n}`;
  const ing = await makeIngestion(world, {
    source: { uri: landing },
    destination: { schema: "raw", table, partitionColumns: [] },
    ...draft,
  });
  return { ing, landing, table: `raw.${table}`, uri: (rel: string) => `${landing}/${rel}` };
}

const rows = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, v: i }));

/** Invariant of a finished run: its metrics describe the files the history attributes to it. */
async function attributedTo(runId: string) {
  const files = await world.deps.db.processedFile.findMany({ where: { runId, status: "SUCCESS" }, select: { rowCount: true } });
  return { filesLoaded: files.length, rowsLoaded: files.reduce((s, f) => s + (f.rowCount ?? 0n), 0n) };
}

describe("exactly once", () => {
  it("loads each file once: a second run loads nothing, added files load alone", async () => {
    const { ing, landing, table, uri } = await ingestion();
    await writeFiles(landing, { "a.jsonl": jsonl(rows("a", 3)), "b.jsonl": jsonl(rows("b", 2)), "c/d.jsonl": jsonl(rows("d", 4)) });

    const first = await runToEnd(world, ing.id);
    expect(first).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 3, filesLoaded: 3, filesFailed: 0, rowsLoaded: 9n, error: null });
    const after1 = { [uri("a.jsonl")]: 3, [uri("b.jsonl")]: 2, [uri("c/d.jsonl")]: 4 };
    expect(await rowsPerSourceFile(world, table)).toEqual(after1);

    const second = await runToEnd(world, ing.id);
    expect(second).toMatchObject({ status: "NO_NEW_FILES", filesDiscovered: 0, filesLoaded: 0, rowsLoaded: 0n });
    expect(await rowsPerSourceFile(world, table)).toEqual(after1);

    await writeFiles(landing, { "e.jsonl": jsonl(rows("e", 5)), "c/f.jsonl": jsonl(rows("f", 1)) });
    const third = await runToEnd(world, ing.id);
    expect(third).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 2, filesLoaded: 2, rowsLoaded: 6n });
    expect(await rowsPerSourceFile(world, table)).toEqual({ ...after1, [uri("e.jsonl")]: 5, [uri("c/f.jsonl")]: 1 });
    expect(await ledgerCounts(world, ing.id)).toEqual({ "a.jsonl": 3, "b.jsonl": 2, "c/d.jsonl": 4, "c/f.jsonl": 1, "e.jsonl": 5 });
    const states = await fileStates(world, ing.id);
    expect(Object.values(states).map((s) => s.status)).toEqual(["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS"]);
    expect([states["c/f.jsonl"]?.runId, states["e.jsonl"]?.runId]).toEqual([third.id, third.id]);
    expect(states["a.jsonl"]).toMatchObject({ runId: first.id, rowCount: 3 });
    expect(await world.deps.db.ingestion.findUniqueOrThrow({ where: { id: ing.id } })).toMatchObject({ lastRunStatus: "SUCCEEDED" });
  });

  it("after a crash between the warehouse commit and the metadata update, the failing run records its commits from the ledger (PARTIAL) and the next run loads only the rest", async () => {
    const { ing, landing, table, uri } = await ingestion();
    // Three batches of two; the second crashes after its commit.
    const files: Record<string, string> = {};
    for (let k = 1; k <= 6; k++) files[`f${k}.jsonl`] = jsonl(rows(`f${k}`, k));
    await writeFiles(landing, files);
    for (let k = 1; k <= 6; k++) await setModified(landing, `f${k}.jsonl`, new Date(Date.UTC(2026, 0, k)));
    crashOn.add("f3.jsonl");

    const crashed = await runToEnd(world, ing.id);
    // The warehouse has batches 1 and 2; ending the run read its ledger, so the metadata has them
    // too, on this run; batch 3 never ran and returns to the queue.
    expect(crashed).toMatchObject({
      status: "PARTIAL",
      error: `${CRASH}; 2 file(s) it had loaded were recorded from the warehouse ledger; 2 unfinished file(s) return to the queue`,
      activeIngestionId: null,
      filesLoaded: 4,
      filesFailed: 0,
      rowsLoaded: 10n,
    });
    expect(await ledgerCounts(world, ing.id)).toEqual({ "f1.jsonl": 1, "f2.jsonl": 2, "f3.jsonl": 3, "f4.jsonl": 4 });
    expect(await rowsPerSourceFile(world, table)).toEqual({ [uri("f1.jsonl")]: 1, [uri("f2.jsonl")]: 2, [uri("f3.jsonl")]: 3, [uri("f4.jsonl")]: 4 });
    expect(await fileStatuses(world, ing.id)).toEqual({
      "f1.jsonl": "SUCCESS",
      "f2.jsonl": "SUCCESS",
      "f3.jsonl": "SUCCESS",
      "f4.jsonl": "SUCCESS",
      "f5.jsonl": "PENDING",
      "f6.jsonl": "PENDING",
    });
    expect(await attributedTo(crashed.id)).toEqual({ filesLoaded: 4, rowsLoaded: 10n });
    expect(await world.deps.db.ingestion.findUniqueOrThrow({ where: { id: ing.id } })).toMatchObject({ lastRunStatus: "PARTIAL" });

    const next = await runToEnd(world, ing.id);
    // This run loaded f5 and f6, and had nothing to reconcile; the crashed run is as it ended.
    expect(next).toMatchObject({ status: "SUCCEEDED", filesLoaded: 2, rowsLoaded: 11n, error: null });
    expect(await world.deps.db.run.findUniqueOrThrow({ where: { id: crashed.id } })).toMatchObject({
      status: "PARTIAL",
      error: crashed.error,
      filesLoaded: 4,
      rowsLoaded: 10n,
    });
    const states = await fileStates(world, ing.id);
    expect(Object.fromEntries(Object.entries(states).map(([p, s]) => [p, [s.status, s.rowCount, s.runId === crashed.id]]))).toEqual({
      "f1.jsonl": ["SUCCESS", 1, true],
      "f2.jsonl": ["SUCCESS", 2, true],
      "f3.jsonl": ["SUCCESS", 3, true],
      "f4.jsonl": ["SUCCESS", 4, true],
      "f5.jsonl": ["SUCCESS", 5, false],
      "f6.jsonl": ["SUCCESS", 6, false],
    });
    expect(await rowsPerSourceFile(world, table)).toEqual(Object.fromEntries([1, 2, 3, 4, 5, 6].map((k) => [uri(`f${k}.jsonl`), k])));
    expect(await ledgerCounts(world, ing.id)).toEqual(Object.fromEntries([1, 2, 3, 4, 5, 6].map((k) => [`f${k}.jsonl`, k])));
    const rowIds = await world.deps.engine.warehouse.withConnection(world.tenant.slug, async (c) =>
      (await c.runAndReadAll(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM ${table}`)).getRowObjectsJson(),
    );
    expect(rowIds).toEqual([{ n: "21", d: "21" }]);
    const warnings = (world.deps.log as RecordingLogger).lines;
    expect(warnings.filter((l) => l.message.startsWith(`[run ${next.id}] recorded`))).toEqual([]);
  });

  it("files reconciled from the ledger are reported by the run that loaded them, not by the reconciling run, and that run's status and message follow", async () => {
    const { ing, landing } = await ingestion();
    await writeFiles(landing, { "a.jsonl": jsonl(rows("a", 3)), "b.jsonl": jsonl(rows("b", 4)) });
    crashOn.add("a.jsonl");
    // The crash leaves the warehouse unreadable for a moment: ending the run cannot read the ledger.
    downAfterCrashOn.add("a.jsonl");
    const crashed = await runToEnd(world, ing.id);
    const ended = `${CRASH}; the warehouse ledger could not be read (${DOWN}), so the next run records what it committed; 2 unfinished file(s) return to the queue`;
    expect(crashed).toMatchObject({ status: "FAILED", error: ended, filesLoaded: 0 });
    expect(await attributedTo(crashed.id)).toEqual({ filesLoaded: 0, rowsLoaded: 0n });

    const next = await runToEnd(world, ing.id);
    expect(await fileStatuses(world, ing.id)).toEqual({ "a.jsonl": "SUCCESS", "b.jsonl": "SUCCESS" });
    // Whichever run the history credits with the files, that run's metrics must say so, and its status.
    const after = await world.deps.db.run.findUniqueOrThrow({ where: { id: crashed.id } });
    expect({ filesLoaded: after.filesLoaded, rowsLoaded: after.rowsLoaded }).toEqual(await attributedTo(crashed.id));
    expect(await attributedTo(crashed.id)).toEqual({ filesLoaded: 2, rowsLoaded: 7n });
    expect(after).toMatchObject({
      status: "SUCCEEDED",
      filesFailed: 0,
      error: `${ended}; 2 file(s) it had committed were recorded later from the warehouse ledger`,
      finishedAt: crashed.finishedAt,
    });
    expect({ filesLoaded: next.filesLoaded, rowsLoaded: next.rowsLoaded }).toEqual(await attributedTo(next.id));
    expect(next).toMatchObject({ status: "NO_NEW_FILES", filesLoaded: 0, rowsLoaded: 0n });
    expect((world.deps.log as RecordingLogger).lines).toContainEqual({
      level: "warn",
      message: `[run ${crashed.id}] is SUCCEEDED now: 2 file(s) it had committed were recorded later from the warehouse ledger`,
    });
  });

  it("a corrupt file fails alone (PARTIAL), with DuckDB's message naming the source file", async () => {
    const { ing, landing, table, uri } = await ingestion();
    await writeFiles(landing, { "good1.jsonl": jsonl(rows("g1", 2)), "bad.jsonl": '{"id": "b-0", "v": 0}\n{"id": oops}\n', "good2.jsonl": jsonl(rows("g2", 3)) });

    const run = await runToEnd(world, ing.id);
    expect(run).toMatchObject({ status: "PARTIAL", filesLoaded: 2, filesFailed: 1, rowsLoaded: 5n, error: null });
    expect(await rowsPerSourceFile(world, table)).toEqual({ [uri("good1.jsonl")]: 2, [uri("good2.jsonl")]: 3 });
    const bad = (await fileStates(world, ing.id))["bad.jsonl"];
    expect(bad).toMatchObject({ status: "FAILED", retryCount: 1, rowCount: null, runId: run.id });
    expect(bad?.error).toMatch(/^Invalid Input Error: Malformed JSON in file "(.*)"/);
    expect(bad?.error).toContain(`in file "${uri("bad.jsonl")}"`);
    expect(bad?.error).not.toContain(world.deps.engine.settings.stagingDir);
    expect(await ledgerCounts(world, ing.id)).toEqual({ "good1.jsonl": 2, "good2.jsonl": 3 });
  });

  // The retry limit is for transient failures (retry-rules.int.test.ts); the same bytes fail the same way.
  it("does not retry a corrupt file in later runs while it stays unchanged", async () => {
    const { ing, landing } = await ingestion();
    await writeFiles(landing, { "ok.jsonl": jsonl(rows("ok", 1)), "bad.jsonl": "{broken\n" });

    const first = await runToEnd(world, ing.id);
    expect(first).toMatchObject({ status: "PARTIAL", filesLoaded: 1, filesFailed: 1 });
    const bad = (await fileStates(world, ing.id))["bad.jsonl"];
    expect(bad).toMatchObject({ status: "FAILED", retryCount: 1, runId: first.id });

    for (let i = 0; i < MAX_RETRIES; i++) {
      expect(await runToEnd(world, ing.id)).toMatchObject({ status: "NO_NEW_FILES", filesFailed: 0, error: null });
      expect((await fileStates(world, ing.id))["bad.jsonl"]).toEqual(bad);
    }
  });

  it("a FAILED file that was fixed loads on its retry", async () => {
    const { ing, landing, table, uri } = await ingestion();
    await writeFiles(landing, { "late.jsonl": "{half a record" });
    expect((await runToEnd(world, ing.id)).status).toBe("FAILED");
    await writeFiles(landing, { "late.jsonl": jsonl(rows("late", 2)) });
    const retry = await runToEnd(world, ing.id);
    expect(retry).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1, rowsLoaded: 2n });
    expect((await fileStates(world, ing.id))["late.jsonl"]).toMatchObject({ status: "SUCCESS", rowCount: 2, error: null });
    expect(await rowsPerSourceFile(world, table)).toEqual({ [uri("late.jsonl")]: 2 });
  });

  it("reclaims a file whose lease expired (a crashed run's) and leaves a live lease alone", async () => {
    const { ing, landing, table, uri } = await ingestion();
    await writeFiles(landing, { "expired.jsonl": jsonl(rows("x", 2)), "live.jsonl": jsonl(rows("l", 3)) });
    const old = await world.deps.db.run.create({
      data: { ingestionId: ing.id, status: "FAILED", trigger: "MANUAL", finishedAt: new Date() },
    });
    const now = Date.now();
    const claimed = (p: string, leaseExpiresAt: Date) => ({
      ingestionId: ing.id,
      path: p,
      size: 10n,
      lastModified: new Date(now - 60_000),
      status: "PROCESSING" as const,
      runId: old.id,
      leaseExpiresAt,
    });
    await world.deps.db.processedFile.createMany({
      data: [claimed("expired.jsonl", new Date(now - 1_000)), claimed("live.jsonl", new Date(now + 10 * 60_000))],
    });

    const run = await runToEnd(world, ing.id);
    expect(run).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 0, filesLoaded: 1, rowsLoaded: 2n });
    const states = await fileStates(world, ing.id);
    expect(states["expired.jsonl"]).toMatchObject({ status: "SUCCESS", runId: run.id, rowCount: 2 });
    expect(states["live.jsonl"]).toMatchObject({ status: "PROCESSING", runId: old.id, rowCount: null });
    expect(await rowsPerSourceFile(world, table)).toEqual({ [uri("expired.jsonl")]: 2 });
  });

  it("with maxFilesPerRun 2, each run loads the two oldest files (by modification time) and the rest wait", async () => {
    const { ing, landing } = await ingestion({ limits: { maxFilesPerRun: 2, maxBytesPerRun: null } });
    const order = ["e.jsonl", "c.jsonl", "a.jsonl", "d.jsonl", "b.jsonl"];
    await writeFiles(landing, Object.fromEntries(order.map((p) => [p, jsonl(rows(p, 1))])));
    for (const [i, p] of order.entries()) await setModified(landing, p, new Date(Date.UTC(2026, 5, 1 + i)));

    const runs: RunRow[] = [];
    for (let i = 0; i < 4; i++) runs.push(await runToEnd(world, ing.id));
    expect(runs.map((r) => [r.status, r.filesDiscovered, r.filesLoaded])).toEqual([
      ["SUCCEEDED", 5, 2],
      ["SUCCEEDED", 0, 2],
      ["SUCCEEDED", 0, 1],
      ["NO_NEW_FILES", 0, 0],
    ]);
    const states = await fileStates(world, ing.id);
    const byRun = (id: string) => order.filter((p) => states[p]?.runId === id);
    expect(runs.slice(0, 3).map((r) => byRun(r.id))).toEqual([["e.jsonl", "c.jsonl"], ["a.jsonl", "d.jsonl"], ["b.jsonl"]]);
  });

  // Before issue 10 a file bigger than the limit loaded alone; the limit is a cap the operator sets to
  // protect other tenants (a 4 MB gzip of 5 M rows loaded under a 10 MB limit), so it now fails with
  // the reason, as a data failure, and loads once the limit is raised or the file changes.
  it("with maxBytesPerRun, a run stops before the file that would pass the limit; a file bigger than the limit fails with the reason", async () => {
    const { ing, landing } = await ingestion({ limits: { maxFilesPerRun: null, maxBytesPerRun: 250 } });
    /** One JSON line of exactly `bytes` bytes. */
    const sized = (id: string, bytes: number) => {
      const base = JSON.stringify({ id, pad: "" });
      return JSON.stringify({ id, pad: "x".repeat(bytes - base.length - 1) }) + "\n";
    };
    const files = { "1.jsonl": sized("1", 100), "2.jsonl": sized("2", 100), "3-big.jsonl": sized("3", 300), "4.jsonl": sized("4", 100) };
    await writeFiles(landing, files);
    for (const [i, p] of Object.keys(files).entries()) await setModified(landing, p, new Date(Date.UTC(2026, 6, 1 + i)));

    const runs: RunRow[] = [];
    for (let i = 0; i < 4; i++) runs.push(await runToEnd(world, ing.id));
    expect(runs.map((r) => [r.status, r.filesLoaded, r.bytesLoaded])).toEqual([
      ["SUCCEEDED", 2, 200n],
      ["FAILED", 0, 0n],
      ["SUCCEEDED", 1, 100n],
      ["NO_NEW_FILES", 0, 0n],
    ]);
    const states = await fileStates(world, ing.id);
    expect(Object.keys(files).map((p) => runs.findIndex((r) => r.id === states[p]?.runId))).toEqual([0, 0, 1, 2]);
    expect(states["3-big.jsonl"]).toMatchObject({
      status: "FAILED",
      rowCount: null,
      error: "The file alone reads 300 bytes, more than the ingestion's maxBytesPerRun of 250 bytes; raise limits.maxBytesPerRun to load it",
    });
  });

  it("records empty files as SKIPPED with the reason and never loads them", async () => {
    const { ing, landing, table, uri } = await ingestion();
    await writeFiles(landing, { "empty.jsonl": "", "full.jsonl": jsonl(rows("f", 1)) });
    const run = await runToEnd(world, ing.id);
    expect(run).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 2, filesSkipped: 1, filesLoaded: 1 });
    expect((await fileStates(world, ing.id))["empty.jsonl"]).toEqual({
      status: "SKIPPED",
      rowCount: null,
      retryCount: 0,
      error: "Empty file (0 bytes): nothing to load",
      runId: null,
    });
    expect(await rowsPerSourceFile(world, table)).toEqual({ [uri("full.jsonl")]: 1 });

    await writeFiles(landing, { "empty2.jsonl": "" });
    expect(await runToEnd(world, ing.id)).toMatchObject({ status: "NO_NEW_FILES", filesDiscovered: 1, filesSkipped: 1 });
  });

  it("only files matching the glob and modified after modifiedAfter are considered", async () => {
    const cutoff = new Date("2026-03-01T00:00:00Z");
    n += 1;
    const landing = path.join(world.root, `landing-${n}`);
    const ing = await makeIngestion(world, {
      source: { uri: landing, glob: "**/*.jsonl", modifiedAfter: cutoff },
      destination: { schema: "raw", table: `glob_${n}`, partitionColumns: [] },
    });
    await writeFiles(landing, {
      "top.jsonl": jsonl(rows("top", 1)),
      "deep/er/x.jsonl": jsonl(rows("x", 1)),
      "other.json": jsonl(rows("o", 1)),
      "deep/y.csv": "id\n1\n",
      "old.jsonl": jsonl(rows("old", 1)),
      "at-cutoff.jsonl": jsonl(rows("at", 1)),
    });
    await setModified(landing, "old.jsonl", new Date("2026-02-01T00:00:00Z"));
    await setModified(landing, "at-cutoff.jsonl", cutoff);

    const run = await runToEnd(world, ing.id);
    expect(run).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 2, filesLoaded: 2 });
    expect(await fileStatuses(world, ing.id)).toEqual({ "deep/er/x.jsonl": "SUCCESS", "top.jsonl": "SUCCESS" });
  });

  it("ignores hidden and underscore files and directories (markers, not data)", async () => {
    const { ing, landing } = await ingestion();
    await writeFiles(landing, {
      _SUCCESS: "",
      "_committed.jsonl": jsonl(rows("c", 1)),
      ".hidden.jsonl": jsonl(rows("h", 1)),
      "_tmp/part.jsonl": jsonl(rows("t", 1)),
      ".staging/part.jsonl": jsonl(rows("s", 1)),
      "day=1/_part.jsonl": jsonl(rows("p", 1)),
      "day=1/data.jsonl": jsonl(rows("d", 2)),
      "data_2.jsonl": jsonl(rows("d2", 1)),
    });
    const run = await runToEnd(world, ing.id);
    expect(run).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 2, filesLoaded: 2, rowsLoaded: 3n, filesSkipped: 0 });
    expect(await fileStatuses(world, ing.id)).toEqual({ "data_2.jsonl": "SUCCESS", "day=1/data.jsonl": "SUCCESS" });
  });

  it("a whole-run failure (source directory gone) fails the run with the reason and leaves no file PROCESSING", async () => {
    const { ing, landing } = await ingestion({ limits: { maxFilesPerRun: 1, maxBytesPerRun: null } });
    await writeFiles(landing, { "a.jsonl": jsonl(rows("a", 1)), "b.jsonl": jsonl(rows("b", 1)), "c.jsonl": jsonl(rows("c", 1)) });
    for (const [i, p] of ["a.jsonl", "b.jsonl", "c.jsonl"].entries()) await setModified(landing, p, new Date(Date.UTC(2026, 7, 1 + i)));
    expect((await runToEnd(world, ing.id)).status).toBe("SUCCEEDED");
    await rm(landing, { recursive: true });

    const run = await runToEnd(world, ing.id);
    expect(run).toMatchObject({
      status: "FAILED",
      error: `Local source directory ${landing} does not exist`,
      activeIngestionId: null,
      currentStep: null,
    });
    expect(run.finishedAt).not.toBeNull();
    expect(await fileStatuses(world, ing.id)).toEqual({ "a.jsonl": "SUCCESS", "b.jsonl": "PENDING", "c.jsonl": "PENDING" });
    expect(await world.deps.db.ingestion.findUniqueOrThrow({ where: { id: ing.id } })).toMatchObject({ lastRunStatus: "FAILED" });
  });

  it("a crash frees the run's unfinished claims at once (PENDING, no lease), so the next run need not wait", async () => {
    const { ing, landing } = await ingestion();
    await writeFiles(landing, { "a.jsonl": jsonl(rows("a", 1)), "b.jsonl": jsonl(rows("b", 1)), "c.jsonl": jsonl(rows("c", 1)) });
    for (const [i, p] of ["a.jsonl", "b.jsonl", "c.jsonl"].entries()) await setModified(landing, p, new Date(Date.UTC(2026, 8, 1 + i)));
    crashOn.add("a.jsonl");
    const crashed = await runToEnd(world, ing.id);
    // Its committed batch (a, b) is recorded from the ledger on it; c, never loaded, is free at once.
    expect(crashed).toMatchObject({
      status: "PARTIAL",
      filesLoaded: 2,
      error: `${CRASH}; 2 file(s) it had loaded were recorded from the warehouse ledger; 1 unfinished file(s) return to the queue`,
    });
    const files = await world.deps.db.processedFile.findMany({ where: { ingestionId: ing.id }, orderBy: { path: "asc" } });
    expect(files.map((f) => [f.path, f.status, f.leaseExpiresAt])).toEqual([
      ["a.jsonl", "SUCCESS", null],
      ["b.jsonl", "SUCCESS", null],
      ["c.jsonl", "PENDING", null],
    ]);
  });

  // DuckDB takes each listed path as a glob: "a[1].jsonl" would read "a1.jsonl" a second time.
  it("loads files whose names contain glob characters exactly once each", async () => {
    const { ing, landing, table, uri } = await ingestion();
    await writeFiles(landing, { "a1.jsonl": jsonl(rows("a1", 1)), "a[1].jsonl": jsonl(rows("a[1]", 2)) });
    const run = await runToEnd(world, ing.id);
    expect(run).toMatchObject({ status: "SUCCEEDED", filesLoaded: 2, rowsLoaded: 3n });
    expect(await rowsPerSourceFile(world, table)).toEqual({ [uri("a1.jsonl")]: 1, [uri("a[1].jsonl")]: 2 });
    expect(await ledgerCounts(world, ing.id)).toEqual({ "a1.jsonl": 1, "a[1].jsonl": 2 });
  });

  it("does not load a file twice when it is overwritten after loading", async () => {
    const { ing, landing, table, uri } = await ingestion();
    await writeFiles(landing, { "a.jsonl": jsonl(rows("a", 2)) });
    expect((await runToEnd(world, ing.id)).status).toBe("SUCCEEDED");
    await writeFile(path.join(landing, "a.jsonl"), jsonl(rows("a2", 5)));
    expect(await runToEnd(world, ing.id)).toMatchObject({ status: "NO_NEW_FILES", filesDiscovered: 0 });
    expect(await rowsPerSourceFile(world, table)).toEqual({ [uri("a.jsonl")]: 2 });
  });
});
