// Run records after a crash, on real parts (PGlite and PostgreSQL, a DuckDB warehouse file, local
// files): a run killed after a warehouse commit is recorded from the ledger on itself, ends with
// the status its files give and says when it really stopped; the run after it reports only its
// own loads. A killed run is simulated as a SIGKILL leaves it: a crash hook throws after the
// commit (or after a batch's loaded files are marked) and nothing cleans up; the restart is the
// runtime's own start-up recovery. A run that fails in-process is ended the same way, from its files.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { loadConfig } from "@/env";
import { createIngestionInput } from "@/shared/contracts/ingestions";
import { runPipeline } from "@/server/runs/pipeline";
import { openRuntime } from "@/server/runtime";
import { createIngestion } from "@/server/services/ingestions/create-ingestion";
import { expireRunsAtStart } from "@/server/runs/stopped-run";
import { triggerRun } from "@/server/services/runs/trigger-run";
import { describeEachDatabase, useMaintenanceWorld, type MaintenanceWorld, recordingLauncher, recordingLogger, testClock, withConfig } from "@/test/world";
import { attemptsOf, failNextWarehouseUse, feed, runUntilKilled } from "@/test/maintenance-fixtures";
import { jsonl } from "@/test/run-fixtures";
import { fileStates } from "@/test/run-inspection";
import { makeTempDir } from "@/test/temp-dirs";

const CRASH = "Simulated crash after the warehouse commit";
const MARKED_CRASH = "Simulated crash after the batch's loaded files were marked";
/** What a locked or unreadable warehouse file answers. */
const DOWN = "IO Error: Could not set lock on file: Conflicting lock is held";
const MINUTE = 60_000;

const rows = (prefix: string, count: number) => jsonl(Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, v: i })));
/** f1 … fN, file k holding k rows. */
const numbered = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i + 1}.jsonl`, rows(`f${i + 1}`, i + 1)]));

describeEachDatabase("run records after a crash", (kind) => {
  const clock = testClock(new Date());
  /** A batch holding one of these paths throws once, right after its warehouse commit. */
  const crashAfterCommitOf = new Set<string>();
  /** Of those crashes, the ones after which the warehouse cannot be used once (ending the run). */
  const downAfterCrashOf = new Set<string>();
  /** A batch holding one of these paths throws once, right after its loaded files are marked. */
  const crashAfterMarkedOf = new Set<string>();
  const suite = useMaintenanceWorld({
    kind,
    clock,
    // Batches of two, so a run commits several times.
    settings: { batchMaxFiles: 2 },
    hooks: {
      afterWarehouseCommit(files) {
        const hit = files.find((f) => crashAfterCommitOf.has(f.path));
        if (hit) {
          crashAfterCommitOf.delete(hit.path);
          if (downAfterCrashOf.delete(hit.path)) failNextWarehouseUse(suite.world, DOWN);
          throw new Error(CRASH);
        }
      },
      afterLoadedFilesMarked(files) {
        const hit = files.find((f) => crashAfterMarkedOf.has(f.path));
        if (hit) {
          crashAfterMarkedOf.delete(hit.path);
          throw new Error(MARKED_CRASH);
        }
      },
    },
  });

  // A test that fails leaves no armed crash or warehouse failure to the next one.
  afterEach(() => {
    crashAfterCommitOf.clear();
    downAfterCrashOf.clear();
    crashAfterMarkedOf.clear();
    vi.restoreAllMocks();
  });

  async function ran(w: MaintenanceWorld, ingestionId: string) {
    const { runId } = await w.api.runs.trigger({ ingestionId });
    await w.executor.idle();
    return w.db.run.findUniqueOrThrow({ where: { id: runId } });
  }

  const runOf = (w: MaintenanceWorld, id: string) => w.db.run.findUniqueOrThrow({ where: { id } });
  const sizes = async (w: MaintenanceWorld, ingestionId: string, paths: string[]) =>
    (await w.db.processedFile.findMany({ where: { ingestionId, path: { in: paths } }, select: { size: true } })).reduce((n, f) => n + f.size, 0n);
  /** Rows in the destination, and how many distinct ids: equal when nothing was loaded twice. */
  const idCounts = (w: MaintenanceWorld, table: string) =>
    w.deps.engine.warehouse.withConnection(w.tenant.slug, async (c) =>
      (await c.runAndReadAll(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM ${table}`)).getRowObjectsJson(),
    );

  it("a run killed after committing every file it held is SUCCEEDED once a restart expires it, the files counted on it, with its real last heartbeat", async () => {
    const w = suite.world;
    const f = await feed(w, numbered(4));
    crashAfterCommitOf.add("f3.jsonl");
    const heartbeat = clock.now;
    const killed = await runUntilKilled(w, f.ing.id);
    expect(await runOf(w, killed)).toMatchObject({ status: "RUNNING", activeIngestionId: f.ing.id, filesLoaded: 2, updatedAt: heartbeat });
    expect(await f.ledger()).toEqual({ "f1.jsonl": 1, "f2.jsonl": 2, "f3.jsonl": 3, "f4.jsonl": 4 });

    clock.advance(w.deps.engine.settings.staleRunMs + 2 * MINUTE);
    expect(await expireRunsAtStart(w.deps, kind)).toBe(1);

    expect(await runOf(w, killed)).toMatchObject({
      status: "SUCCEEDED",
      activeIngestionId: null,
      currentStep: null,
      filesLoaded: 4,
      filesFailed: 0,
      rowsLoaded: 10n,
      bytesLoaded: await sizes(w, f.ing.id, ["f1.jsonl", "f2.jsonl", "f3.jsonl", "f4.jsonl"]),
      finishedAt: heartbeat,
      durationMs: 0,
      error: `The run stopped after its last heartbeat at ${heartbeat.toISOString()}; 2 file(s) it had loaded were recorded from the warehouse ledger`,
    });
    expect(await attemptsOf(w, killed)).toEqual({
      "f1.jsonl": { outcome: "SUCCESS", rowCount: 1 },
      "f2.jsonl": { outcome: "SUCCESS", rowCount: 2 },
      "f3.jsonl": { outcome: "SUCCESS", rowCount: 3 },
      "f4.jsonl": { outcome: "SUCCESS", rowCount: 4 },
    });
    const states = await fileStates(w, f.ing.id);
    expect(Object.values(states).map((s) => [s.status, s.runId, s.rowCount])).toEqual([1, 2, 3, 4].map((k) => ["SUCCESS", killed, k]));
    expect(await w.db.ingestion.findUniqueOrThrow({ where: { id: f.ing.id } })).toMatchObject({ lastRunStatus: "SUCCEEDED" });

    const next = await ran(w, f.ing.id);
    expect(next).toMatchObject({ status: "NO_NEW_FILES", filesDiscovered: 0, filesLoaded: 0, rowsLoaded: 0n, error: null });
    expect(await attemptsOf(w, next.id)).toEqual({});
    expect(await f.rows()).toEqual({ "f1.jsonl": 1, "f2.jsonl": 2, "f3.jsonl": 3, "f4.jsonl": 4 });
    expect(await idCounts(w, f.table)).toEqual([{ n: "10", d: "10" }]);
  });

  it("a run killed midway is PARTIAL once the next trigger expires it: its commits are counted on it, the rest returns to the queue and loads in the next run", async () => {
    const w = suite.world;
    const f = await feed(w, numbered(6));
    crashAfterCommitOf.add("f3.jsonl");
    const heartbeat = clock.now;
    const killed = await runUntilKilled(w, f.ing.id);

    clock.advance(w.deps.engine.settings.staleRunMs + MINUTE);
    const next = await ran(w, f.ing.id);
    expect(await runOf(w, killed)).toMatchObject({
      status: "PARTIAL",
      activeIngestionId: null,
      filesLoaded: 4,
      filesFailed: 0,
      rowsLoaded: 10n,
      finishedAt: heartbeat,
      error:
        `The run stopped after its last heartbeat at ${heartbeat.toISOString()}; ` +
        "2 file(s) it had loaded were recorded from the warehouse ledger; 2 unfinished file(s) return to the queue",
    });
    expect(Object.keys(await attemptsOf(w, killed))).toEqual(["f1.jsonl", "f2.jsonl", "f3.jsonl", "f4.jsonl"]);
    expect(next).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 0, filesLoaded: 2, rowsLoaded: 11n, error: null });
    expect(await attemptsOf(w, next.id)).toEqual({
      "f5.jsonl": { outcome: "SUCCESS", rowCount: 5 },
      "f6.jsonl": { outcome: "SUCCESS", rowCount: 6 },
    });
    expect(await f.rows()).toEqual(Object.fromEntries([1, 2, 3, 4, 5, 6].map((k) => [`f${k}.jsonl`, k])));
    expect(await f.ledger()).toEqual(Object.fromEntries([1, 2, 3, 4, 5, 6].map((k) => [`f${k}.jsonl`, k])));
    expect(await idCounts(w, f.table)).toEqual([{ n: "21", d: "21" }]);
  });

  it("a run killed before its first commit is FAILED once expired, saying so, and all its files return to the queue", async () => {
    const w = suite.world;
    const f = await feed(w, numbered(3));
    const heartbeat = clock.now;
    const killed = await runUntilKilled(w, f.ing.id, { killBefore: "load-batch-1" });
    expect(await runOf(w, killed)).toMatchObject({ status: "RUNNING", currentStep: "claim" });

    clock.advance(w.deps.engine.settings.staleRunMs + MINUTE);
    expect(await expireRunsAtStart(w.deps, kind)).toBe(1);
    expect(await runOf(w, killed)).toMatchObject({
      status: "FAILED",
      activeIngestionId: null,
      filesLoaded: 0,
      finishedAt: heartbeat,
      error: `The run stopped after its last heartbeat at ${heartbeat.toISOString()}; 3 unfinished file(s) return to the queue`,
    });
    const held = await w.db.processedFile.findMany({ where: { ingestionId: f.ing.id }, orderBy: { path: "asc" }, select: { status: true, leaseExpiresAt: true } });
    expect(held).toEqual([1, 2, 3].map(() => ({ status: "PENDING", leaseExpiresAt: null })));
    expect(await w.db.ingestion.findUniqueOrThrow({ where: { id: f.ing.id } })).toMatchObject({ lastRunStatus: "FAILED" });

    expect(await ran(w, f.ing.id)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 3, rowsLoaded: 6n });
    expect(await f.rows()).toEqual({ "f1.jsonl": 1, "f2.jsonl": 2, "f3.jsonl": 3 });
  });

  it.each([
    ["its only batch", 2, "f1.jsonl"],
    ["its second batch", 4, "f3.jsonl"],
  ] as const)(
    "a run killed after the loaded files of %s were marked, before the rest of its recording, is SUCCEEDED with every file, row and byte counted on it",
    async (_batch, files, crashOn) => {
      const w = suite.world;
      const f = await feed(w, numbered(files));
      const all = Object.keys(numbered(files));
      // The batch is marked loaded; the process dies before anything else of it is recorded.
      crashAfterMarkedOf.add(crashOn);
      const heartbeat = clock.now;
      const killed = await runUntilKilled(w, f.ing.id);
      const total = { rows: BigInt((files * (files + 1)) / 2), bytes: await sizes(w, f.ing.id, all) };
      expect(total.bytes).toBeGreaterThan(0n);
      // Marking a file counts it on its run in the same statement: nothing is left to lose.
      expect(await runOf(w, killed)).toMatchObject({ status: "RUNNING", filesLoaded: files, rowsLoaded: total.rows, bytesLoaded: total.bytes });

      clock.advance(w.deps.engine.settings.staleRunMs + 2 * MINUTE);
      expect(await expireRunsAtStart(w.deps, kind)).toBe(1);
      expect(await runOf(w, killed)).toMatchObject({
        status: "SUCCEEDED",
        activeIngestionId: null,
        currentStep: null,
        filesLoaded: files,
        filesFailed: 0,
        filesSkipped: 0,
        rowsLoaded: total.rows,
        bytesLoaded: total.bytes,
        finishedAt: heartbeat,
        error: `The run stopped after its last heartbeat at ${heartbeat.toISOString()}`,
      });
      expect(await attemptsOf(w, killed)).toEqual(Object.fromEntries(all.map((p, i) => [p, { outcome: "SUCCESS", rowCount: i + 1 }])));
      expect(await w.db.ingestion.findUniqueOrThrow({ where: { id: f.ing.id } })).toMatchObject({ lastRunStatus: "SUCCEEDED" });

      const next = await ran(w, f.ing.id);
      expect(next).toMatchObject({ status: "NO_NEW_FILES", filesDiscovered: 0, filesLoaded: 0, rowsLoaded: 0n, bytesLoaded: 0n, error: null });
      expect(await attemptsOf(w, next.id)).toEqual({});
      const perFile = Object.fromEntries(all.map((p, i) => [p, i + 1]));
      expect(await f.rows()).toEqual(perFile);
      expect(await f.ledger()).toEqual(perFile);
      expect(await idCounts(w, f.table)).toEqual([{ n: String(total.rows), d: String(total.rows) }]);
    },
  );

  it("a run that fails in-process after committing every file it held is SUCCEEDED, its error first in its message, the files recorded from the ledger on it", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 3), "b.jsonl": rows("b", 4) });
    crashAfterCommitOf.add("a.jsonl");
    const crashed = await ran(w, f.ing.id);
    expect(crashed).toMatchObject({
      status: "SUCCEEDED",
      activeIngestionId: null,
      currentStep: null,
      filesLoaded: 2,
      filesFailed: 0,
      rowsLoaded: 7n,
      bytesLoaded: await sizes(w, f.ing.id, ["a.jsonl", "b.jsonl"]),
      error: `${CRASH}; 2 file(s) it had loaded were recorded from the warehouse ledger`,
    });
    expect(await attemptsOf(w, crashed.id)).toEqual({
      "a.jsonl": { outcome: "SUCCESS", rowCount: 3 },
      "b.jsonl": { outcome: "SUCCESS", rowCount: 4 },
    });
    expect(await w.db.ingestion.findUniqueOrThrow({ where: { id: f.ing.id } })).toMatchObject({ lastRunStatus: "SUCCEEDED" });

    const next = await ran(w, f.ing.id);
    expect(next).toMatchObject({ status: "NO_NEW_FILES", filesLoaded: 0, rowsLoaded: 0n, error: null });
    expect(await runOf(w, crashed.id)).toEqual(crashed);
    expect(await f.rows()).toEqual({ "a.jsonl": 3, "b.jsonl": 4 });
  });

  it("the reconcile step records ledger files on the run that wrote them (one that failed in-process while the ledger was unreadable), whose status and message follow, and the reconciling run does not count them", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 3), "b.jsonl": rows("b", 4) });
    crashAfterCommitOf.add("a.jsonl");
    downAfterCrashOf.add("a.jsonl");
    const crashed = await ran(w, f.ing.id);
    const ended = `${CRASH}; the warehouse ledger could not be read (${DOWN}), so the next run records what it committed; 2 unfinished file(s) return to the queue`;
    expect(crashed).toMatchObject({ status: "FAILED", error: ended, filesLoaded: 0, activeIngestionId: null });
    expect(await w.db.ingestion.findUniqueOrThrow({ where: { id: f.ing.id } })).toMatchObject({ lastRunStatus: "FAILED" });

    const next = await ran(w, f.ing.id);
    expect(next).toMatchObject({ status: "NO_NEW_FILES", filesDiscovered: 0, filesLoaded: 0, rowsLoaded: 0n, bytesLoaded: 0n, error: null });
    expect(await attemptsOf(w, next.id)).toEqual({});
    // The run that loaded the files says so now: its counters, its status and its message.
    expect(await runOf(w, crashed.id)).toMatchObject({
      status: "SUCCEEDED",
      error: `${ended}; 2 file(s) it had committed were recorded later from the warehouse ledger`,
      filesLoaded: 2,
      filesFailed: 0,
      rowsLoaded: 7n,
      bytesLoaded: await sizes(w, f.ing.id, ["a.jsonl", "b.jsonl"]),
      finishedAt: crashed.finishedAt,
    });
    expect(await attemptsOf(w, crashed.id)).toEqual({
      "a.jsonl": { outcome: "SUCCESS", rowCount: 3 },
      "b.jsonl": { outcome: "SUCCESS", rowCount: 4 },
    });
    expect(Object.values(await fileStates(w, f.ing.id)).map((s) => [s.status, s.runId])).toEqual([
      ["SUCCESS", crashed.id],
      ["SUCCESS", crashed.id],
    ]);
    const lines = (w.deps.log as ReturnType<typeof recordingLogger>).lines;
    expect(lines).toContainEqual({
      level: "warn",
      message: `[run ${next.id}] recorded 2 file(s) from the warehouse ledger on the run that loaded them: ${crashed.id} (2)`,
    });
    expect(lines).toContainEqual({
      level: "warn",
      message: `[run ${crashed.id}] is SUCCEEDED now: 2 file(s) it had committed were recorded later from the warehouse ledger`,
    });
    expect(await f.rows()).toEqual({ "a.jsonl": 3, "b.jsonl": 4 });
    expect(await f.ledger()).toEqual({ "a.jsonl": 3, "b.jsonl": 4 });
  });

  it("a run ended PARTIAL while the ledger was unreadable has its commits counted on it later and stays PARTIAL, having left files it held to the next run", async () => {
    const w = suite.world;
    const f = await feed(w, numbered(6));
    crashAfterCommitOf.add("f3.jsonl");
    downAfterCrashOf.add("f3.jsonl");
    const crashed = await ran(w, f.ing.id);
    const ended = `${CRASH}; the warehouse ledger could not be read (${DOWN}), so the next run records what it committed; 4 unfinished file(s) return to the queue`;
    expect(crashed).toMatchObject({ status: "PARTIAL", error: ended, filesLoaded: 2, rowsLoaded: 3n });

    const next = await ran(w, f.ing.id);
    expect(next).toMatchObject({ status: "SUCCEEDED", filesLoaded: 2, rowsLoaded: 11n });
    expect(await runOf(w, crashed.id)).toMatchObject({
      status: "PARTIAL",
      error: `${ended}; 2 file(s) it had committed were recorded later from the warehouse ledger`,
      filesLoaded: 4,
      rowsLoaded: 10n,
      bytesLoaded: await sizes(w, f.ing.id, ["f1.jsonl", "f2.jsonl", "f3.jsonl", "f4.jsonl"]),
    });
    expect(Object.keys(await attemptsOf(w, crashed.id))).toEqual(["f1.jsonl", "f2.jsonl", "f3.jsonl", "f4.jsonl"]);
    expect(Object.keys(await attemptsOf(w, next.id))).toEqual(["f5.jsonl", "f6.jsonl"]);
    expect(await f.rows()).toEqual(Object.fromEntries([1, 2, 3, 4, 5, 6].map((k) => [`f${k}.jsonl`, k])));
    expect(await idCounts(w, f.table)).toEqual([{ n: "21", d: "21" }]);
  });
});

describe("run records after a restart of the embedded runtime", () => {
  it("a run killed after its commit is recorded at the next start with its real last heartbeat, and the next run loads nothing twice", async () => {
    const dataDir = await makeTempDir("stopped-runs");
    const config = loadConfig({ AUTOLOADER_DATA_DIR: dataDir.path }, dataDir.path);
    try {
      const first = await openRuntime(config, recordingLogger());
      let killed: string;
      let heartbeat: Date;
      let ingestionId: string;
      try {
        const deps = first.deps;
        const tenant = await deps.db.tenant.findFirstOrThrow({ where: { slug: "default" } });
        const landing = path.join(first.config.localRoots[0] ?? "", "orders");
        await mkdir(landing, { recursive: true });
        await writeFile(path.join(landing, "a.jsonl"), rows("a", 2));
        await writeFile(path.join(landing, "b.jsonl"), rows("b", 3));
        const ing = await createIngestion(
          deps,
          tenant.id,
          // Through the connection "files" the default tenant gets on the default root at first start.
          createIngestionInput.parse({ name: "orders", source: { connection: "files", path: "orders" }, format: { type: "JSON" }, destination: { schema: "raw", table: "orders" } }),
        );
        ingestionId = ing.id;
        const crashing = withConfig(deps, {
          hooks: {
            afterWarehouseCommit() {
              throw new Error(CRASH);
            },
          },
        });
        const { runId } = await triggerRun({ ...crashing, runs: recordingLauncher() }, tenant.id, ing.id, { trigger: "SCHEDULE" });
        // The process dies right after the commit: nothing records it, nothing cleans up.
        await expect(runPipeline({ run: (_id, fn) => fn() }, crashing, runId)).rejects.toThrow(CRASH);
        killed = runId;
        const row = await deps.db.run.findUniqueOrThrow({ where: { id: runId } });
        expect(row).toMatchObject({ status: "RUNNING", filesLoaded: 0 });
        heartbeat = row.updatedAt;
      } finally {
        await first.close();
      }

      // Later, the server starts again on the same data directory.
      await new Promise((r) => setTimeout(r, 50));
      const log = recordingLogger();
      const second = await openRuntime(config, log);
      try {
        const db = second.deps.db;
        expect(await db.run.findUniqueOrThrow({ where: { id: killed } })).toMatchObject({
          status: "SUCCEEDED",
          activeIngestionId: null,
          filesLoaded: 2,
          rowsLoaded: 5n,
          finishedAt: heartbeat,
          error: `The run stopped after its last heartbeat at ${heartbeat.toISOString()}; 2 file(s) it had loaded were recorded from the warehouse ledger`,
        });
        expect(log.lines.filter((l) => l.level === "warn")).toEqual([
          {
            level: "warn",
            message: `[run ${killed}] ended SUCCEEDED: The run stopped after its last heartbeat at ${heartbeat.toISOString()}; 2 file(s) it had loaded were recorded from the warehouse ledger`,
          },
          { level: "warn", message: "[runs] 1 run(s) interrupted by the last shutdown were ended from their files and the warehouse ledger" },
        ]);
        const tenant = await db.tenant.findFirstOrThrow({ where: { slug: "default" } });
        const { runId } = await triggerRun(second.deps, tenant.id, ingestionId);
        await second.executor.idle();
        expect(await db.run.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: "NO_NEW_FILES", filesLoaded: 0 });
        const counts = await second.deps.engine.warehouse.withConnection("default", async (c) =>
          (await c.runAndReadAll("SELECT _source_file AS f, count(*) AS n FROM raw.orders GROUP BY 1 ORDER BY 1")).getRowObjectsJson(),
        );
        expect(counts.map((r) => [path.basename(String(r.f)), r.n])).toEqual([
          ["a.jsonl", "2"],
          ["b.jsonl", "3"],
        ]);
      } finally {
        await second.close();
      }
    } finally {
      await dataDir.remove();
    }
  });
});
