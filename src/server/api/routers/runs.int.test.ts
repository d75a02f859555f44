// The runs router through createCaller against a real database (PGlite and PostgreSQL), a real
// DuckDB warehouse and local files: trigger, list and get, tenant scoping and refusals; then retry.
import path from "node:path";
import { afterAll, beforeAll, expect, it, describe } from "vitest";
import type { ServiceDeps } from "@/server/deps";
import { ensureTenant } from "@/server/services/auth/tenants";
import { callerAs, createTestKey, rejectionOf, zodIssuesOf, type AppCaller, createTestDatabase, describeEachDatabase, type TestDatabase, createRunWorld, type RunWorld, testClock, type TestClock, useMaintenanceWorld } from "@/test/world";
import { createLocalConnection, FILES } from "@/test/connection-fixtures";
import { jsonl, makeIngestion, writeFiles } from "@/test/run-fixtures";
import { attemptsOf, feed, hideDirectory } from "@/test/maintenance-fixtures";
import { fileStates, fileStatuses } from "@/test/run-inspection";

const HOUR = 3_600_000;

describeEachDatabase("runs router", (kind) => {
  let t: TestDatabase;
  let clock: TestClock;
  let world: RunWorld;
  let api: AppCaller;
  /** Same tenant and key, but trigger only records the run: it stays QUEUED until runNow. */
  let holding: AppCaller;
  let held: string[];
  let otherTenant: { id: string; slug: string };
  let otherApi: AppCaller;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    // Near the real time: Prisma stamps updatedAt with it, and stale-run expiry compares against the clock.
    clock = testClock(new Date());
    world = await createRunWorld(t.database.prisma, { clock, tenantSlug: "acme" });
    const admin = await createTestKey(world.deps, world.tenant.id, "acme admin", true);
    api = callerAs(world.deps, admin.auth).caller;
    held = [];
    const holdingDeps: ServiceDeps = { ...world.deps, runs: { kind: "direct", launch: async ({ runId }) => (held.push(runId), { method: "direct" }) } };
    holding = callerAs(holdingDeps, admin.auth).caller;
    otherTenant = await ensureTenant(world.deps, "globex");
    // Its ingestions read the world's root through a "files" connection of its own.
    await createLocalConnection(world.deps, otherTenant.id, FILES, world.root);
    otherApi = callerAs(world.deps, (await createTestKey(world.deps, otherTenant.id, "globex admin", true)).auth).caller;
  });
  afterAll(async () => {
    await world.cleanup();
    await t.destroy();
  });

  let n = 0;
  async function ingestion(files: Record<string, string> = {}, tenant: { id: string; slug: string } = world.tenant) {
    n += 1;
    const landing = path.join(world.root, `landing-${n}`);
    await writeFiles(landing, { ".keep": "", ...files });
    const ing = await makeIngestion({ ...world, tenant }, { name: `Feed ${n}`, source: { uri: landing }, destination: { schema: "raw", table: `r${n}`, partitionColumns: [] } });
    return { ing, landing };
  }

  it("trigger answers { method: 'direct', runId } at once and the run finishes in the background", async () => {
    const { ing } = await ingestion({ "a.jsonl": jsonl([{ id: 1 }, { id: 2 }]) });
    const answer = await api.runs.trigger({ ingestionId: ing.id });
    expect(answer).toEqual({ method: "direct", runId: expect.any(String) });
    const right = await world.deps.db.run.findUniqueOrThrow({ where: { id: answer.runId } });
    expect(["QUEUED", "RUNNING"]).toContain(right.status);
    await world.executor.idle();
    const { run } = await api.runs.get({ id: answer.runId });
    expect(run).toMatchObject({
      id: answer.runId,
      ingestionId: ing.id,
      ingestionName: ing.name,
      status: "SUCCEEDED",
      trigger: "MANUAL",
      method: "DIRECT",
      currentStep: null,
      error: null,
      metrics: { filesDiscovered: 1, filesLoaded: 1, filesFailed: 0, filesSkipped: 0, rowsLoaded: 2, bytesLoaded: 18 },
    });
  });

  it("a second trigger while a run is active is a CONFLICT naming the active run", async () => {
    const { ing } = await ingestion();
    const first = await holding.runs.trigger({ ingestionId: ing.id });
    expect(held).toContain(first.runId);
    const refused = await rejectionOf(api.runs.trigger({ ingestionId: ing.id }));
    expect(refused.code).toBe("CONFLICT");
    expect(refused.message).toBe(`Ingestion '${ing.name}' already has an active run ${first.runId} (queued); wait for it to finish`);
    expect(await world.executor.runNow(first.runId)).toEqual({ status: "NO_NEW_FILES" });
    expect((await api.runs.trigger({ ingestionId: ing.id })).runId).not.toBe(first.runId);
    await world.executor.idle();
  });

  it("trigger refuses another tenant's ingestion and a missing one as NOT_FOUND", async () => {
    const { ing } = await ingestion();
    const foreign = await rejectionOf(otherApi.runs.trigger({ ingestionId: ing.id }));
    expect([foreign.code, foreign.message]).toEqual(["NOT_FOUND", `No ingestion '${ing.id}'`]);
    expect(await world.deps.db.run.count({ where: { ingestionId: ing.id } })).toBe(0);
    const missingId = "0190d1a6-0000-7000-8000-00000000abcd";
    const missing = await rejectionOf(api.runs.trigger({ ingestionId: missingId }));
    expect([missing.code, missing.message]).toEqual(["NOT_FOUND", `No ingestion '${missingId}'`]);
  });

  it("list: newest first, by ingestion, since a time, in cursor pages, only the caller's tenant", async () => {
    const start = clock.now.getTime();
    const a = await ingestion();
    const b = await ingestion();
    const foreign = await ingestion({}, otherTenant);
    const queued: { id: string; ingestionId: string; at: number }[] = [];
    for (const [i, ing] of [a.ing, b.ing, a.ing, b.ing, a.ing].entries()) {
      clock.now = new Date(start + (i + 1) * HOUR);
      const { runId } = await holding.runs.trigger({ ingestionId: ing.id });
      await world.executor.runNow(runId);
      queued.push({ id: runId, ingestionId: ing.id, at: clock.now.getTime() });
    }
    const { runId: foreignRun } = await otherApi.runs.trigger({ ingestionId: foreign.ing.id });
    await world.executor.idle();
    const mine = new Set(queued.map((q) => q.id));
    // Earlier tests' runs were queued at `start` itself.
    const after = new Date(start + 1);
    const newestFirst = [...queued].reverse().map((q) => q.id);

    const all = await api.runs.list({ since: after });
    expect(all.items.map((r) => r.id)).toEqual(newestFirst);
    expect(all.nextCursor).toBeNull();
    expect(all.items[0]).toMatchObject({ ingestionId: a.ing.id, ingestionName: a.ing.name, status: "NO_NEW_FILES", queuedAt: new Date(start + 5 * HOUR) });
    expect(all.items.map((r) => r.id)).not.toContain(foreignRun);

    const onlyA = await api.runs.list({ ingestionId: a.ing.id });
    expect(onlyA.items.map((r) => r.id)).toEqual(newestFirst.filter((id) => queued.find((q) => q.id === id)?.ingestionId === a.ing.id));
    expect(onlyA.items).toHaveLength(3);

    const since = await api.runs.list({ since: new Date(start + 3 * HOUR) });
    expect(since.items.map((r) => r.id)).toEqual(newestFirst.slice(0, 3));

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<AppCaller["runs"]["list"]>> = await api.runs.list({ since: after, limit: 2, cursor });
      pages.push(page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(pages).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)]);

    const theirs = await otherApi.runs.list();
    expect(theirs.items.map((r) => r.id)).toEqual([foreignRun]);
    expect(theirs.items.some((r) => mine.has(r.id))).toBe(false);
    const peek = await rejectionOf(otherApi.runs.list({ ingestionId: a.ing.id }));
    expect([peek.code, peek.message]).toEqual(["NOT_FOUND", `No ingestion '${a.ing.id}'`]);
  });

  it("list refuses bad input with messages", async () => {
    expect(zodIssuesOf(await rejectionOf(api.runs.list({ limit: 0 })))).toEqual({ limit: ["Limit must be 1–100"] });
    expect(zodIssuesOf(await rejectionOf(api.runs.list({ limit: 101 })))).toEqual({ limit: ["Limit must be 1–100"] });
    expect(zodIssuesOf(await rejectionOf(api.runs.list({ since: "yesterday" as unknown as Date })))).toEqual({ since: ["Since must be a date"] });
  });

  it("get: the run with each file's outcome and the schema versions it recorded", async () => {
    const { ing, landing } = await ingestion({
      "a.jsonl": jsonl([{ id: 1, name: "x" }, { id: 2, name: "y" }]),
      "b.jsonl": "{not json\n",
      "c.jsonl": jsonl([{ id: 3, name: "z" }]),
      "empty.jsonl": "",
    });
    const { runId } = await api.runs.trigger({ ingestionId: ing.id });
    await world.executor.idle();
    const detail = await api.runs.get({ id: runId });
    expect(detail.run).toMatchObject({
      id: runId,
      status: "PARTIAL",
      metrics: { filesDiscovered: 4, filesLoaded: 2, filesFailed: 1, filesSkipped: 1, rowsLoaded: 3 },
      error: null,
    });
    expect(detail.filesTotal).toBe(3);
    const bad = detail.files.find((f) => f.path === "b.jsonl");
    expect(bad).toMatchObject({ status: "FAILED", size: 10, rowCount: null, retryCount: 1 });
    expect(bad?.error).toContain(`Malformed JSON in file "${landing}/b.jsonl"`);
    expect(detail.files.filter((f) => f.status === "SUCCESS").map((f) => [f.path, f.rowCount, f.retryCount, f.error])).toEqual([
      ["a.jsonl", 2, 0, null],
      ["c.jsonl", 1, 0, null],
    ]);
    expect(detail.schemaVersions).toEqual([
      {
        version: 1,
        diff: { added: [{ name: "id", type: "BIGINT" }, { name: "name", type: "VARCHAR" }, { name: "_source_file", type: "VARCHAR" }], removed: [], typeChanged: [] },
        warnings: [],
        createdAt: expect.any(Date),
      },
    ]);
  });

  // get-run.ts orders by status "so failures come first", but PostgreSQL sorts an enum in
  // declaration order (PENDING, PROCESSING, SUCCESS, FAILED, SKIPPED): successes come first,
  // and beyond the 500 files shown a run's failures are not shown at all.
  it("get and list carry a run's warnings, and get its schema version's: a column that became JSON for one odd value", async () => {
    const { ing, landing } = await ingestion({ "a.jsonl": jsonl([{ id: 1 }, { id: 2 }, { id: "x3" }]) });
    const { runId } = await api.runs.trigger({ ingestionId: ing.id });
    await world.executor.idle();
    const drift = {
      code: "TYPE_DRIFT",
      message: `Column 'id' became JSON because its values have different types: number in 2 rows, string in 1 row (e.g. "x3" in ${landing}/a.jsonl)`,
      column: "id",
      file: `${landing}/a.jsonl`,
      example: '"x3"',
    };
    const detail = await api.runs.get({ id: runId });
    expect(detail.run).toMatchObject({ status: "SUCCEEDED", warnings: [drift] });
    expect(detail.schemaVersions.map((v) => [v.version, v.warnings])).toEqual([[1, [drift]]]);
    const { items } = await api.runs.list({ ingestionId: ing.id });
    expect(items.map((r) => r.warnings)).toEqual([[drift]]);
  });

  it("get lists a run's failed files before its loaded ones", async () => {
    const { ing } = await ingestion({ "a.jsonl": jsonl([{ id: 1 }]), "b.jsonl": "{bad\n", "c.jsonl": jsonl([{ id: 2 }]) });
    const { runId } = await api.runs.trigger({ ingestionId: ing.id });
    await world.executor.idle();
    const detail = await api.runs.get({ id: runId });
    expect(detail.files.map((f) => [f.path, f.status])).toEqual([
      ["b.jsonl", "FAILED"],
      ["a.jsonl", "SUCCESS"],
      ["c.jsonl", "SUCCESS"],
    ]);
  });

  it("get answers NOT_FOUND for another tenant's run and for an unknown id, and checks the id", async () => {
    const { ing } = await ingestion();
    const { runId } = await api.runs.trigger({ ingestionId: ing.id });
    await world.executor.idle();
    const foreign = await rejectionOf(otherApi.runs.get({ id: runId }));
    expect([foreign.code, foreign.message]).toEqual(["NOT_FOUND", `No run '${runId}'`]);
    const unknown = await rejectionOf(api.runs.get({ id: "0190d1a6-0000-7000-8000-000000000000" }));
    expect([unknown.code, unknown.message]).toEqual(["NOT_FOUND", "No run '0190d1a6-0000-7000-8000-000000000000'"]);
    expect(zodIssuesOf(await rejectionOf(api.runs.get({ id: "" })))).toEqual({ id: ["Run id is required"] });
    expect(zodIssuesOf(await rejectionOf(api.runs.get({ id: "x".repeat(65) })))).toEqual({ id: ["Run id must be at most 64 characters"] });
  });

  it("refuses callers without credentials", async () => {
    const anonymous = callerAs(world.deps, null).caller;
    const refused = await rejectionOf(anonymous.runs.list());
    expect(refused.code).toBe("UNAUTHORIZED");
  });
});

// runs.retry through the tRPC caller on a real database, DuckDB warehouse and local files: a retry
// reprocesses only the files its run left unfinished (whatever their failure and retry count), leaves the
// original run as it was, and refuses what there is nothing to retry in.
const MAX_RETRIES = 2;
const rows = (prefix: string, count: number) => jsonl(Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, v: i })));
const BROKEN = "{not json\n";

describe("runs.retry [pglite]", () => {
  const suite = useMaintenanceWorld({ settings: { maxFileRetries: MAX_RETRIES } });

  async function triggered(ingestionId: string) {
    const w = suite.world;
    const { runId } = await w.api.runs.trigger({ ingestionId });
    await w.executor.idle();
    return w.db.run.findUniqueOrThrow({ where: { id: runId } });
  }

  async function retried(id: string) {
    const w = suite.world;
    const answer = await w.api.runs.retry({ id });
    await w.executor.idle();
    return { answer, run: await w.db.run.findUniqueOrThrow({ where: { id: answer.runId } }) };
  }

  it("retries a PARTIAL run: only the files it left unfinished, never files that arrived since; the original run stays as it was", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2), "b.jsonl": BROKEN, "c.jsonl": BROKEN });
    const first = await triggered(f.ing.id);
    expect(first).toMatchObject({ status: "PARTIAL", filesDiscovered: 3, filesLoaded: 1, filesFailed: 2, rowsLoaded: 2n });

    // b is fixed, c stays broken, d arrives after the run.
    await f.add({ "b.jsonl": rows("b", 3), "d.jsonl": rows("d", 1) });
    const { answer, run } = await retried(first.id);
    expect(answer).toEqual({ method: "direct", runId: expect.any(String), retryOfRunId: first.id, filesToRetry: 2 });
    expect(run).toMatchObject({
      trigger: "RETRY",
      retryOfRunId: first.id,
      status: "PARTIAL",
      filesDiscovered: 0,
      filesLoaded: 1,
      filesFailed: 1,
      rowsLoaded: 3n,
      activeIngestionId: null,
      currentStep: null,
    });
    expect(await attemptsOf(w, run.id)).toEqual({
      "b.jsonl": { outcome: "SUCCESS", rowCount: 3 },
      "c.jsonl": { outcome: "FAILED", rowCount: null },
    });
    expect(await w.db.run.findUniqueOrThrow({ where: { id: first.id } })).toEqual(first);
    expect(await attemptsOf(w, first.id)).toEqual({
      "a.jsonl": { outcome: "SUCCESS", rowCount: 2 },
      "b.jsonl": { outcome: "FAILED", rowCount: null },
      "c.jsonl": { outcome: "FAILED", rowCount: null },
    });
    const states = await fileStates(w, f.ing.id);
    expect(Object.keys(states)).toEqual(["a.jsonl", "b.jsonl", "c.jsonl"]);
    expect(states["a.jsonl"]).toMatchObject({ status: "SUCCESS", rowCount: 2, retryCount: 0, runId: first.id });
    expect(states["b.jsonl"]).toMatchObject({ status: "SUCCESS", rowCount: 3, retryCount: 1, error: null, runId: run.id });
    expect(states["c.jsonl"]).toMatchObject({ status: "FAILED", rowCount: null, retryCount: 2, runId: run.id });
    expect(await f.rows()).toEqual({ "a.jsonl": 2, "b.jsonl": 3 });
    expect(await f.ledger()).toEqual({ "a.jsonl": 2, "b.jsonl": 3 });

    // runs.get of the original still reports what it did to each file (from its attempts).
    const original = await w.api.runs.get({ id: first.id });
    expect(original.run).toMatchObject({ status: "PARTIAL", trigger: "MANUAL", retryOfRunId: null, metrics: { filesLoaded: 1, filesFailed: 2 } });
    expect(original.files.map((x) => [x.path, x.status, x.rowCount])).toEqual([
      ["b.jsonl", "FAILED", null],
      ["c.jsonl", "FAILED", null],
      ["a.jsonl", "SUCCESS", 2],
    ]);
    expect(original.files.find((x) => x.path === "b.jsonl")?.error).toContain("Malformed JSON");
    expect(original.filesTotal).toBe(3);
    expect((await w.api.runs.get({ id: run.id })).run).toMatchObject({ trigger: "RETRY", retryOfRunId: first.id, status: "PARTIAL" });

    // d is the next ordinary run's; c is unchanged and failed for its data, so that run leaves it alone.
    const next = await triggered(f.ing.id);
    expect(next).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 1, filesLoaded: 1 });
    expect(await attemptsOf(w, next.id)).toEqual({ "d.jsonl": { outcome: "SUCCESS", rowCount: 1 } });
  });

  it("takes a file ordinary runs leave (a failure of its data), and once everything loaded there is nothing left to retry", async () => {
    const w = suite.world;
    const f = await feed(w, { "x.jsonl": BROKEN });
    const first = await triggered(f.ing.id);
    expect(first).toMatchObject({ status: "FAILED", filesLoaded: 0, filesFailed: 1 });
    expect(first.error).toMatch(/^All 1 file\(s\) failed; first: x\.jsonl: .*Malformed JSON/);
    // Unchanged, the same bytes would fail the same way: ordinary runs no longer take it...
    const ordinary = await triggered(f.ing.id);
    expect(ordinary.status).toBe("NO_NEW_FILES");
    expect((await fileStates(w, f.ing.id))["x.jsonl"]).toMatchObject({ status: "FAILED", retryCount: 1, runId: first.id });
    const noNew = await rejectionOf(w.api.runs.retry({ id: ordinary.id }));
    expect([noNew.code, noNew.message]).toEqual([
      "BAD_REQUEST",
      `Run ${ordinary.id} found no new files, so there is nothing to retry; trigger a new run instead`,
    ]);

    // ...a retry of the first run does (a retry lists nothing: it takes the file as it is now).
    await f.add({ "x.jsonl": rows("x", 4) });
    const { answer, run } = await retried(first.id);
    expect(answer).toMatchObject({ retryOfRunId: first.id, filesToRetry: 1 });
    expect(run).toMatchObject({ trigger: "RETRY", status: "SUCCEEDED", filesLoaded: 1, filesFailed: 0, rowsLoaded: 4n, error: null });
    expect(await attemptsOf(w, run.id)).toEqual({ "x.jsonl": { outcome: "SUCCESS", rowCount: 4 } });
    expect((await fileStates(w, f.ing.id))["x.jsonl"]).toMatchObject({ status: "SUCCESS", rowCount: 4, error: null, runId: run.id });
    expect(await f.rows()).toEqual({ "x.jsonl": 4 });

    for (const failedRun of [first.id]) {
      const nothing = await rejectionOf(w.api.runs.retry({ id: failedRun }));
      expect([nothing.code, nothing.message]).toEqual(["BAD_REQUEST", `Nothing to retry: every file of run ${failedRun} has loaded since, or was skipped or forgotten by a refresh or clear`]);
    }
    const succeeded = await rejectionOf(w.api.runs.retry({ id: run.id }));
    expect([succeeded.code, succeeded.message]).toEqual([
      "BAD_REQUEST",
      `Run ${run.id} succeeded: every file it claimed loaded, so there is nothing to retry`,
    ]);
    expect(await w.db.run.count({ where: { ingestionId: f.ing.id } })).toBe(3);
    expect(await f.rows()).toEqual({ "x.jsonl": 4 });
  });

  it("a retry of a retry takes what is still unfinished, and the original can be retried again", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": BROKEN, "b.jsonl": BROKEN, "c.jsonl": rows("c", 1) });
    const first = await triggered(f.ing.id);
    expect(first.status).toBe("PARTIAL");

    await f.add({ "a.jsonl": rows("a", 2) });
    const { run: retry1 } = await retried(first.id);
    expect(retry1).toMatchObject({ status: "PARTIAL", filesLoaded: 1, filesFailed: 1 });

    await f.add({ "b.jsonl": rows("b", 5) });
    const { answer, run: retry2 } = await retried(retry1.id);
    expect(answer).toMatchObject({ retryOfRunId: retry1.id, filesToRetry: 1 });
    expect(retry2).toMatchObject({ retryOfRunId: retry1.id, status: "SUCCEEDED", filesLoaded: 1, rowsLoaded: 5n });
    expect(await attemptsOf(w, retry2.id)).toEqual({ "b.jsonl": { outcome: "SUCCESS", rowCount: 5 } });
    expect(await fileStatuses(w, f.ing.id)).toEqual({ "a.jsonl": "SUCCESS", "b.jsonl": "SUCCESS", "c.jsonl": "SUCCESS" });
    expect(await f.rows()).toEqual({ "a.jsonl": 2, "b.jsonl": 5, "c.jsonl": 1 });
    for (const id of [first.id, retry1.id]) {
      const nothing = await rejectionOf(w.api.runs.retry({ id }));
      expect(nothing.message).toBe(`Nothing to retry: every file of run ${id} has loaded since, or was skipped or forgotten by a refresh or clear`);
    }
  });

  it("retries a run that failed before it held any file as a full run", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 1) });
    expect((await triggered(f.ing.id)).status).toBe("SUCCEEDED");

    const restore = await hideDirectory(f.landing);
    const failed = await triggered(f.ing.id);
    expect(failed).toMatchObject({ status: "FAILED", filesDiscovered: 0, error: `Local source directory ${f.landing} does not exist` });
    await restore();
    await f.add({ "b.jsonl": rows("b", 2) });

    const { answer, run } = await retried(failed.id);
    expect(answer).toEqual({ method: "direct", runId: run.id, retryOfRunId: failed.id, filesToRetry: null });
    expect(run).toMatchObject({ trigger: "RETRY", retryOfRunId: failed.id, status: "SUCCEEDED", filesDiscovered: 1, filesLoaded: 1, rowsLoaded: 2n });
    expect(await attemptsOf(w, run.id)).toEqual({ "b.jsonl": { outcome: "SUCCESS", rowCount: 2 } });
    expect(await f.rows()).toEqual({ "a.jsonl": 1, "b.jsonl": 2 });
  });

  it("refuses queued and running runs, and answers NOT_FOUND for another tenant's or an unknown run", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": BROKEN });
    const failed = await triggered(f.ing.id);
    expect(failed.status).toBe("FAILED");

    const active = await w.db.run.create({
      data: { ingestionId: f.ing.id, activeIngestionId: f.ing.id, status: "QUEUED", trigger: "MANUAL" },
    });
    const queued = await rejectionOf(w.api.runs.retry({ id: active.id }));
    expect([queued.code, queued.message]).toEqual([
      "BAD_REQUEST",
      `Run ${active.id} is still queued; only a finished FAILED or PARTIAL run can be retried`,
    ]);
    await w.db.run.update({ where: { id: active.id }, data: { status: "RUNNING" } });
    const running = await rejectionOf(w.api.runs.retry({ id: active.id }));
    expect(running.message).toBe(`Run ${active.id} is still running; only a finished FAILED or PARTIAL run can be retried`);
    await w.db.run.delete({ where: { id: active.id } });

    const foreign = await rejectionOf(w.other.api.runs.retry({ id: failed.id }));
    expect([foreign.code, foreign.message]).toEqual(["NOT_FOUND", `No run '${failed.id}'`]);
    const unknown = "0190d1a6-0000-7000-8000-00000000abcd";
    const missing = await rejectionOf(w.api.runs.retry({ id: unknown }));
    expect([missing.code, missing.message]).toEqual(["NOT_FOUND", `No run '${unknown}'`]);
    expect(zodIssuesOf(await rejectionOf(w.api.runs.retry({ id: "" })))).toEqual({ id: ["Run id is required"] });
    expect(await w.db.run.count({ where: { ingestionId: f.ing.id } })).toBe(1);
  });
});

describeEachDatabase("runs.retry against active runs", (kind) => {
  const suite = useMaintenanceWorld({ kind });

  it("is a CONFLICT while another run of the ingestion is active, and works once it finished", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": BROKEN });
    const { runId: failed } = await w.api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();

    const gate = w.gates.hold(f.ing.source.uri);
    await f.add({ "b.jsonl": rows("b", 1) });
    const { runId: busy } = await w.api.runs.trigger({ ingestionId: f.ing.id });
    await gate.entered;
    const refused = await rejectionOf(w.api.runs.retry({ id: failed }));
    expect([refused.code, refused.message]).toEqual([
      "CONFLICT",
      `Ingestion '${f.ing.name}' already has an active run ${busy} (running); wait for it to finish`,
    ]);
    expect(await w.db.run.count({ where: { ingestionId: f.ing.id, trigger: "RETRY" } })).toBe(0);
    gate.release();
    await w.executor.idle();
    // The ordinary run loaded b and left a (still broken: a failure of its data waits for a change).
    expect(await attemptsOf(w, busy)).toEqual({
      "b.jsonl": { outcome: "SUCCESS", rowCount: 1 },
    });

    await f.add({ "a.jsonl": rows("a", 2) });
    const retry = await w.api.runs.retry({ id: failed });
    await w.executor.idle();
    expect(await w.db.run.findUniqueOrThrow({ where: { id: retry.runId } })).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1 });
    expect(await attemptsOf(w, retry.runId)).toEqual({ "a.jsonl": { outcome: "SUCCESS", rowCount: 2 } });
    expect(await f.rows()).toEqual({ "a.jsonl": 2, "b.jsonl": 1 });
  });

  it("of two concurrent retries of one run, exactly one starts; the other names it in its CONFLICT", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 1) });
    const restore = await hideDirectory(f.landing);
    const { runId: failed } = await w.api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();
    await restore();

    // A full retry lists the source: hold it there so the winner is still active.
    const gate = w.gates.hold(f.ing.source.uri);
    const outcomes = await Promise.allSettled([w.api.runs.retry({ id: failed }), w.api.runs.retry({ id: failed })]);
    const started = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
    const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as Error & { code?: string }] : []));
    expect(started).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const winner = started[0]?.runId;
    expect([refused[0]?.code, refused[0]?.message]).toEqual([
      "CONFLICT",
      expect.stringMatching(new RegExp(`^Ingestion '${f.ing.name}' already has an active run ${winner} \\((queued|running)\\); wait for it to finish$`)),
    ]);
    await gate.entered;
    gate.release();
    await w.executor.idle();
    expect(await w.db.run.findMany({ where: { retryOfRunId: failed }, select: { id: true, status: true } })).toEqual([
      { id: winner, status: "SUCCEEDED" },
    ]);
    expect(await f.rows()).toEqual({ "a.jsonl": 1 });
  });
});
