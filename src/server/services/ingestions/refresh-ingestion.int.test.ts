// ingestions.refresh through the tRPC caller on a real database, DuckDB warehouse and local files:
// the plan a dry run answers (and that it changes nothing), the end states of FULL and NEW_ONLY,
// confirm, autoRun, and the run guard it shares with runs.
import { rm } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { rejectionOf, zodIssuesOf } from "@/test/api-callers";
import { describeEachDatabase } from "@/test/databases";
import { attemptsOf, feed, hideDirectory, loadThenHoldRefresh, snapshot, tableExists, useMaintenanceWorld, type Feed } from "@/test/maintenance-fixtures";
import { jsonl } from "@/test/run-fixtures";
import { fileStates, fileStatuses } from "@/test/run-inspection";

const rows = (prefix: string, count: number) => jsonl(Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, v: i })));
const BROKEN = "{not json\n";
const bytes = (...contents: string[]) => contents.reduce((n, c) => n + Buffer.byteLength(c), 0);
/** The load estimate's numbers are the cost service's (tested there); here only their presence. */
const ESTIMATE = { estimate: { durationMs: expect.any(Number), mbPerSecond: expect.any(Number), computeCost: expect.any(Number) } };

describe("ingestions.refresh [pglite]", () => {
  const suite = useMaintenanceWorld();

  async function triggered(f: Feed) {
    const w = suite.world;
    const { runId } = await w.api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();
    return w.db.run.findUniqueOrThrow({ where: { id: runId } });
  }

  async function ids(f: Feed): Promise<string[]> {
    return suite.world.deps.engine.warehouse.withConnection(suite.world.tenant.slug, async (c) => {
      const r = await c.runAndReadAll(`SELECT id FROM ${f.table} ORDER BY id`);
      return (r.getRowObjectsJson() as { id: string }[]).map((x) => x.id);
    });
  }

  it("a dry run answers the exact plan of either mode and changes nothing", async () => {
    const w = suite.world;
    const content = { a: rows("a", 2), b: rows("b", 1), c: BROKEN, d: rows("d", 2) };
    const f = await feed(w, { "a.jsonl": content.a, "b.jsonl": content.b, "c.jsonl": content.c, "e.jsonl": "" }, { limits: { maxFilesPerRun: 2 } });
    expect(await triggered(f)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 2, filesSkipped: 1 });
    expect(await triggered(f)).toMatchObject({ status: "FAILED", filesFailed: 1 });
    expect(await fileStatuses(w, f.ing.id)).toEqual({ "a.jsonl": "SUCCESS", "b.jsonl": "SUCCESS", "c.jsonl": "FAILED", "e.jsonl": "SKIPPED" });
    await f.add({ "d.jsonl": content.d });
    const before = await snapshot(w, f);

    const full = await w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", dryRun: true });
    const fullSteps = [
      `Drop table ${f.table} and its 3 rows`,
      "Forget the history of 4 files",
      `Then reload every file: 4 files (${bytes(content.a, content.b, content.c, content.d)} bytes)`,
    ];
    expect(full).toEqual({
      dryRun: true,
      executed: false,
      plan: {
        mode: "FULL",
        table: { name: f.table, exists: true, rows: 3 },
        history: { files: 4, forget: 4, skip: 0 },
        ledgerEntries: 2,
        // The empty file is not counted; the first run takes the two oldest (maxFilesPerRun).
        load: {
          pending: { files: 4, bytes: bytes(content.a, content.b, content.c, content.d) },
          nextRun: { files: 2, bytes: bytes(content.a, content.b) },
          truncated: false,
          ...ESTIMATE,
        },
        warnings: [],
        steps: fullSteps,
      },
      run: null,
      message: `Dry run: nothing changed. ${fullSteps.join(". ")}.`,
    });

    const newOnly = await w.api.ingestions.refresh({ id: f.ing.id, mode: "NEW_ONLY", dryRun: true, confirm: true, autoRun: true });
    const newOnlySteps = [
      `Drop table ${f.table} and its 3 rows`,
      "Keep the history of 4 files; mark the 1 unfinished file SKIPPED",
      "Then load only files that arrive later (1 new file now)",
    ];
    expect(newOnly).toEqual({
      dryRun: true,
      executed: false,
      plan: {
        mode: "NEW_ONLY",
        table: { name: f.table, exists: true, rows: 3 },
        history: { files: 4, forget: 0, skip: 1 },
        ledgerEntries: 2,
        load: { pending: { files: 1, bytes: bytes(content.d) }, nextRun: { files: 1, bytes: bytes(content.d) }, truncated: false, ...ESTIMATE },
        warnings: [],
        steps: newOnlySteps,
      },
      run: null,
      message: `Dry run: nothing changed. ${newOnlySteps.join(". ")}.`,
    });
    expect(await snapshot(w, f)).toEqual(before);
  });

  it("plans the next run within maxBytesPerRun as the run then claims it, for a table that does not exist yet", async () => {
    const w = suite.world;
    const content = { p: rows("p", 6), q: rows("q", 1), r: rows("r", 1) };
    const limit = bytes(content.p) + bytes(content.q) - 1;
    const f = await feed(w, { "p.jsonl": content.p, "q.jsonl": content.q, "r.jsonl": content.r }, { limits: { maxBytesPerRun: limit } });
    const before = await snapshot(w, f);
    const { plan, message } = await w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", dryRun: true });
    expect(plan).toMatchObject({
      table: { name: f.table, exists: false, rows: 0 },
      history: { files: 0, forget: 0, skip: 0 },
      ledgerEntries: 0,
      load: { pending: { files: 3, bytes: bytes(content.p, content.q, content.r) }, nextRun: { files: 1, bytes: bytes(content.p) }, truncated: false },
      warnings: [],
    });
    expect(plan.steps[0]).toBe(`Table ${f.table} does not exist yet: nothing to drop`);
    expect(message).toContain(`Dry run: nothing changed. Table ${f.table} does not exist yet: nothing to drop. Forget the history of 0 files.`);
    expect(await snapshot(w, f)).toEqual(before);

    // The run takes what the plan said.
    const run = await triggered(f);
    expect([run.filesLoaded, Number(run.bytesLoaded)]).toEqual([plan.load?.nextRun.files, plan.load?.nextRun.bytes]);

    // A first file larger than the limit is still taken, alone (as the claim does).
    await w.api.ingestions.update({ id: f.ing.id, patch: { limits: { maxFilesPerRun: null, maxBytesPerRun: 10 } } });
    const small = await w.api.ingestions.refresh({ id: f.ing.id, mode: "NEW_ONLY", dryRun: true });
    expect(small.plan.load).toEqual({ pending: { files: 0, bytes: 0 }, nextRun: { files: 0, bytes: 0 }, truncated: false, ...ESTIMATE });
    const again = await w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", dryRun: true });
    expect(again.plan.load).toEqual({
      pending: { files: 3, bytes: bytes(content.p, content.q, content.r) },
      nextRun: { files: 1, bytes: bytes(content.p) },
      truncated: false,
      ...ESTIMATE,
    });
  });

  it("refuses to execute without confirm: true, naming it, and changes nothing", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    await triggered(f);
    const before = await snapshot(w, f);
    const full = await rejectionOf(w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL" }));
    expect([full.code, full.message]).toEqual([
      "PRECONDITION_FAILED",
      `Refresh FULL drops table ${f.table} and forgets its file history: pass confirm: true to execute it (or dryRun: true to see the plan)`,
    ]);
    const newOnly = await rejectionOf(w.api.ingestions.refresh({ id: f.ing.id, mode: "NEW_ONLY", confirm: false, autoRun: true }));
    expect([newOnly.code, newOnly.message]).toEqual([
      "PRECONDITION_FAILED",
      `Refresh NEW_ONLY drops table ${f.table}: pass confirm: true to execute it (or dryRun: true to see the plan)`,
    ]);
    expect(await snapshot(w, f)).toEqual(before);

    expect(zodIssuesOf(await rejectionOf(w.api.ingestions.refresh({ id: f.ing.id, mode: "ALL" as "FULL", confirm: true })))).toEqual({
      mode: ["Refresh mode must be FULL or NEW_ONLY"],
    });
    const foreign = await rejectionOf(w.other.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", confirm: true }));
    expect([foreign.code, foreign.message]).toEqual(["NOT_FOUND", `No ingestion '${f.ing.id}'`]);
    expect(await snapshot(w, f)).toEqual(before);
  });

  it("FULL drops the table and forgets the history; the next run loads exactly the source's rows, once", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 1), "c.jsonl": BROKEN });
    const first = await triggered(f);
    expect(first.status).toBe("PARTIAL");
    // The source changed since: a was rewritten, c fixed.
    await f.add({ "a.jsonl": rows("a2", 3), "c.jsonl": rows("c", 1) });
    const before = await snapshot(w, f);

    const result = await w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", confirm: true });
    expect(result).toMatchObject({
      dryRun: false,
      executed: true,
      run: null,
      plan: { mode: "FULL", table: { exists: true, rows: 3 }, history: { files: 3, forget: 3, skip: 0 }, ledgerEntries: 2, warnings: [] },
      message: `Refreshed FULL: Drop table ${f.table} and its 3 rows; Forget the history of 3 files. The next run loads everything again.`,
    });
    const after = await snapshot(w, f);
    expect(after).toEqual({ rows: null, ledger: [], files: [], runs: before.runs });
    expect(await tableExists(w, f.table)).toBe(false);

    const reload = await triggered(f);
    expect(reload).toMatchObject({ status: "SUCCEEDED", trigger: "MANUAL", filesDiscovered: 3, filesLoaded: 3, filesFailed: 0, rowsLoaded: 5n });
    expect(await f.rows()).toEqual({ "a.jsonl": 3, "b.jsonl": 1, "c.jsonl": 1 });
    expect(await ids(f)).toEqual(["a2-0", "a2-1", "a2-2", "b-0", "c-0"]);
    expect(await f.ledger()).toEqual({ "a.jsonl": 3, "b.jsonl": 1, "c.jsonl": 1 });
    const states = await fileStates(w, f.ing.id);
    expect(Object.values(states).map((s) => [s.status, s.retryCount, s.runId])).toEqual([
      ["SUCCESS", 0, reload.id],
      ["SUCCESS", 0, reload.id],
      ["SUCCESS", 0, reload.id],
    ]);
    expect((await triggered(f)).status).toBe("NO_NEW_FILES");
    expect(await ids(f)).toHaveLength(5);
  });

  it("NEW_ONLY drops the table, keeps the history, skips unfinished files; the next run loads only files added after", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2), "b.jsonl": BROKEN, "c.jsonl": rows("c", 1) }, { limits: { maxFilesPerRun: 2 } });
    expect(await triggered(f)).toMatchObject({ status: "PARTIAL", filesLoaded: 1, filesFailed: 1 });
    expect(await fileStatuses(w, f.ing.id)).toEqual({ "a.jsonl": "SUCCESS", "b.jsonl": "FAILED", "c.jsonl": "PENDING" });
    const before = await snapshot(w, f);

    const from = Date.now();
    const result = await w.api.ingestions.refresh({ id: f.ing.id, mode: "NEW_ONLY", confirm: true });
    const to = Date.now();
    expect(result).toMatchObject({
      dryRun: false,
      executed: true,
      run: null,
      plan: { history: { files: 3, forget: 0, skip: 2 }, ledgerEntries: 1, load: { pending: { files: 0, bytes: 0 } } },
      message: `Refreshed NEW_ONLY: Drop table ${f.table} and its 2 rows; Keep the history of 3 files; mark the 2 unfinished files SKIPPED. The next run loads only new files.`,
    });
    expect(await tableExists(w, f.table)).toBe(false);
    expect(await f.ledger()).toEqual({});
    const states = await fileStates(w, f.ing.id);
    expect(states["a.jsonl"]).toEqual(expect.objectContaining({ status: "SUCCESS", rowCount: 2, error: null }));
    for (const rel of ["b.jsonl", "c.jsonl"]) {
      const error = states[rel]?.error ?? "";
      expect({ rel, status: states[rel]?.status, error }).toEqual({
        rel,
        status: "SKIPPED",
        error: expect.stringMatching(/^Skipped by a NEW_ONLY refresh at (\S+): only files that arrive later load$/),
      });
      const at = Date.parse(error.slice("Skipped by a NEW_ONLY refresh at ".length, error.indexOf(": ")));
      expect(at >= from && at <= to).toBe(true);
    }
    expect(states["b.jsonl"]?.retryCount).toBe(1);
    // The history and its attempts are kept, and the runs too.
    const after = await snapshot(w, f);
    expect(after.files.map((x) => [x.path, x.attempts.length])).toEqual(before.files.map((x) => [x.path, x.attempts.length]));
    expect(after.runs).toEqual(before.runs);

    await f.add({ "d.jsonl": rows("d", 4) });
    const next = await triggered(f);
    expect(next).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 1, filesLoaded: 1, rowsLoaded: 4n });
    expect(await attemptsOf(w, next.id)).toEqual({ "d.jsonl": { outcome: "SUCCESS", rowCount: 4 } });
    expect(await f.rows()).toEqual({ "d.jsonl": 4 });
    expect(await f.ledger()).toEqual({ "d.jsonl": 4 });
    expect((await triggered(f)).status).toBe("NO_NEW_FILES");
  });

  it("NEW_ONLY skips a file gone from the source too: when it comes back it does not load", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 1), "b.jsonl": rows("b", 2) }, { limits: { maxFilesPerRun: 1 } });
    expect(await triggered(f)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1 });
    await rm(path.join(f.landing, "b.jsonl"));
    expect(await triggered(f)).toMatchObject({ status: "NO_NEW_FILES", filesSkipped: 1 });
    expect(await fileStatuses(w, f.ing.id)).toEqual({ "a.jsonl": "SUCCESS", "b.jsonl": "MISSING" });
    const result = await w.api.ingestions.refresh({ id: f.ing.id, mode: "NEW_ONLY", confirm: true });
    expect(result.plan.history).toEqual({ files: 2, forget: 0, skip: 1 });
    expect(await fileStatuses(w, f.ing.id)).toEqual({ "a.jsonl": "SUCCESS", "b.jsonl": "SKIPPED" });
    await f.add({ "b.jsonl": rows("b", 2) });
    expect(await triggered(f)).toMatchObject({ status: "NO_NEW_FILES", filesLoaded: 0 });
    expect(await tableExists(w, f.table)).toBe(false);
  });

  it("autoRun starts a REFRESH run once the cleanup is done, and it loads the source", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 1) });
    await triggered(f);
    const runsBefore = await w.db.run.count({ where: { ingestionId: f.ing.id } });

    const result = await w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", confirm: true, autoRun: true });
    expect(result.run).toEqual({ method: "direct", runId: expect.any(String) });
    const runId = result.run?.runId ?? "";
    expect(result.message).toBe(
      `Refreshed FULL: Drop table ${f.table} and its 3 rows; Forget the history of 2 files. Run ${runId} started.`,
    );
    await w.executor.idle();
    expect(await w.db.run.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({
      trigger: "REFRESH",
      status: "SUCCEEDED",
      filesDiscovered: 2,
      filesLoaded: 2,
      rowsLoaded: 3n,
      currentStep: null,
      activeIngestionId: null,
      retryOfRunId: null,
    });
    expect((await w.api.runs.get({ id: runId })).run).toMatchObject({ trigger: "REFRESH", status: "SUCCEEDED" });
    expect(await w.db.run.count({ where: { ingestionId: f.ing.id } })).toBe(runsBefore + 1);
    expect(await f.rows()).toEqual({ "a.jsonl": 2, "b.jsonl": 1 });
    expect(await ids(f)).toEqual(["a-0", "a-1", "b-0"]);
    expect(await w.api.ingestions.get({ id: f.ing.id })).toMatchObject({ lastRunStatus: "SUCCEEDED" });
  });

  it("a dry run over a source it cannot list answers a plan without load, and says why", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    await triggered(f);
    const restore = await hideDirectory(f.landing);
    try {
      const before = await snapshot(w, f);
      const { plan, message } = await w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", dryRun: true });
      expect(plan).toEqual({
        mode: "FULL",
        table: { name: f.table, exists: true, rows: 2 },
        history: { files: 1, forget: 1, skip: 0 },
        ledgerEntries: 1,
        load: null,
        warnings: [`Could not list the source, so what would load is unknown: Local source directory ${f.landing} does not exist`],
        steps: [
          `Drop table ${f.table} and its 2 rows`,
          "Forget the history of 1 file",
          "Then load what the next run finds (the source could not be listed now)",
        ],
      });
      expect(message).toBe(`Dry run: nothing changed. ${plan.steps.join(". ")}.`);
      expect(await snapshot(w, f)).toEqual(before);
    } finally {
      await restore();
    }
  });
});

describeEachDatabase("ingestions.refresh and runs exclude each other", (kind) => {
  const suite = useMaintenanceWorld({ kind });

  it("is a CONFLICT while a run is active (a dry run warns instead), and executes once it finished", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    const gate = w.gates.hold(f.ing.source.uri);
    const { runId } = await w.api.runs.trigger({ ingestionId: f.ing.id });
    await gate.entered;

    const refused = await rejectionOf(w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", confirm: true }));
    expect([refused.code, refused.message]).toEqual([
      "CONFLICT",
      `Cannot refresh ingestion '${f.ing.name}' while run ${runId} is running; wait for it to finish`,
    ]);
    const dry = await w.api.ingestions.refresh({ id: f.ing.id, mode: "NEW_ONLY", dryRun: true });
    expect(dry.plan.warnings).toEqual([`Run ${runId} is running: executing the refresh now would be refused until it finishes`]);
    expect(await w.db.run.findMany({ where: { ingestionId: f.ing.id }, select: { id: true } })).toEqual([{ id: runId }]);

    gate.release();
    await w.executor.idle();
    expect(await f.rows()).toEqual({ "a.jsonl": 2 });
    const done = await w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", confirm: true });
    expect(done).toMatchObject({ executed: true, plan: { table: { rows: 2 }, warnings: [] } });
    expect(await tableExists(w, f.table)).toBe(false);
  });

  it("holds the run guard while it works: runs and other maintenance are refused until it is done", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    // The refresh lists the source for its plan: hold it there, inside the guard.
    const { loaded, refreshing, release } = await loadThenHoldRefresh(w, f, "FULL");
    const guard = await w.db.run.findFirstOrThrow({ where: { activeIngestionId: f.ing.id } });
    expect(guard).toMatchObject({ status: "QUEUED", trigger: "REFRESH", currentStep: "maintenance: a refresh" });

    const trigger = await rejectionOf(w.api.runs.trigger({ ingestionId: f.ing.id }));
    expect([trigger.code, trigger.message]).toEqual([
      "CONFLICT",
      `Ingestion '${f.ing.name}' is busy: another operation (a refresh) is in progress; try again when it finishes`,
    ]);
    // The guard holds the run slot but is no run: run lists leave it out.
    expect((await w.api.runs.list({ ingestionId: f.ing.id })).items.map((r) => r.id)).toEqual([loaded]);
    const clear = await rejectionOf(w.api.files.clear({ ingestionId: f.ing.id, confirm: true }));
    expect([clear.code, clear.message]).toEqual([
      "CONFLICT",
      `Cannot clear the file history of ingestion '${f.ing.name}' while another operation (a refresh) is in progress; wait for it to finish`,
    ]);
    const again = await rejectionOf(w.api.ingestions.refresh({ id: f.ing.id, mode: "NEW_ONLY", confirm: true }));
    expect(again.code).toBe("CONFLICT");
    expect(await tableExists(w, f.table)).toBe(true);

    release();
    expect(await refreshing).toMatchObject({ executed: true, run: null });
    // The guard is gone with the refresh, and a run can start again.
    expect(await w.db.run.findMany({ where: { ingestionId: f.ing.id }, select: { id: true } })).toEqual([{ id: loaded }]);
    const { runId } = await w.api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();
    expect(await w.db.run.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1 });
    expect(await f.rows()).toEqual({ "a.jsonl": 2 });
  });
});

describe("a refresh that outlasts the stale-run limit [pglite]", () => {
  // 300 ms: the guard's heartbeat (every 100 ms) must keep it from being expired as a dead run.
  const suite = useMaintenanceWorld({ settings: { staleRunMs: 300 } });

  it("keeps its hold: a trigger long after the limit is still refused, and nothing loads under the refresh", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    const { refreshing, release } = await loadThenHoldRefresh(w, f, "NEW_ONLY");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const trigger = await rejectionOf(w.api.runs.trigger({ ingestionId: f.ing.id }));
    expect([trigger.code, trigger.message]).toEqual([
      "CONFLICT",
      `Ingestion '${f.ing.name}' is busy: another operation (a refresh) is in progress; try again when it finishes`,
    ]);
    release();
    expect(await refreshing).toMatchObject({ executed: true, plan: { table: { rows: 2 } } });
    expect(await w.db.run.count({ where: { ingestionId: f.ing.id, status: { in: ["QUEUED", "RUNNING"] } } })).toBe(0);
    expect(await tableExists(w, f.table)).toBe(false);
  });
});
