// The runs router through createCaller against a real database (PGlite and PostgreSQL), a real
// DuckDB warehouse and local files: trigger, list and get, tenant scoping and refusals.
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ServiceDeps } from "@/server/services/deps";
import { ensureTenant } from "@/server/services/auth/tenants";
import { callerAs, createTestKey, rejectionOf, zodIssuesOf, type AppCaller } from "@/test/api-callers";
import { createTestDatabase, describeEachDatabase, type TestDatabase } from "@/test/databases";
import { createLocalConnection, FILES } from "@/test/connection-fixtures";
import { createRunWorld, jsonl, makeIngestion, writeFiles, type RunWorld } from "@/test/run-fixtures";
import { testClock, type TestClock } from "@/test/service-deps";

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
