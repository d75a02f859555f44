// Fair sharing on real parts (PGlite and PostgreSQL, DuckDB, local files): runs beyond the global
// and per-tenant limits wait QUEUED with a position and start, in order, as slots free; a waiting
// run survives stale-run expiry and a restart.
import path from "node:path";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { ensureTenant } from "@/server/services/auth/tenants";
import { expireRunsAtStart } from "@/server/runs/stopped-run";
import { getRun } from "@/server/services/runs/get-run";
import { triggerRun } from "@/server/services/runs/trigger-run";
import { runSchedulerTick } from "@/server/scheduling/scheduler-tick";
import { createLocalConnection, FILES } from "@/test/connection-fixtures";
import { createTestDatabase, describeEachDatabase, type TestDatabase, createRunWorld, type RunWorld } from "@/test/world";
import { jsonl, makeIngestion, tableRows, writeFiles } from "@/test/run-fixtures";
import { createDirectExecutor } from "./executors/direct";
import { WAITING_STEP } from "./run-record";

/** Resolves when `check` holds, polling the database; fails after `ms`. */
// Generous: on two busy cores (the suite runs two files at once) a step here once took over 20 s.
async function until(what: string, check: () => Promise<boolean>, ms = 50_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A gate the warehouse commit of some files waits at, until opened. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describeEachDatabase("run slots", (kind) => {
  let t: TestDatabase;
  let base: RunWorld;
  /** `base` with the runLimits of the running test. */
  let world: RunWorld;
  let held = gate();
  /** Ingestions whose batches wait at the gate after their warehouse commit. */
  const gated = new Set<string>();

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    world = base = await createRunWorld(t.database.prisma, {
      engine: {
        hooks: {
          afterWarehouseCommit: async (files) => {
            const file = files[0] && (await t.database.prisma.processedFile.findUnique({ where: { id: files[0].id }, select: { ingestionId: true } }));
            if (file && gated.has(file.ingestionId)) await held.opened;
          },
        },
      },
    });
  });
  afterEach(async () => {
    held.open();
    await world.executor.idle();
    held = gate();
    gated.clear();
    await t.database.prisma.run.deleteMany();
  });
  afterAll(async () => {
    await world.cleanup();
    await t.destroy();
  });

  const runOf = (id: string) => t.database.prisma.run.findUniqueOrThrow({ where: { id } });

  /** A second tenant in the same world, reading the same root through its own connection. */
  async function otherTenant(slug: string): Promise<RunWorld> {
    const tenant = await ensureTenant(world.deps, `${slug}-${Math.random().toString(36).slice(2, 8)}`);
    await createLocalConnection(world.deps, tenant.id, FILES, world.root);
    return { ...world, tenant };
  }

  /** An ingestion over `<root>/<dir>`, with `files` files of `rows` rows each (ids unique per ingestion). */
  async function ingestionWith(w: RunWorld, dir: string, files: number, rows: number) {
    const content: Record<string, string> = {};
    for (let f = 0; f < files; f++) {
      content[`f${String(f).padStart(3, "0")}.jsonl`] = jsonl(Array.from({ length: rows }, (_, r) => ({ id: f * rows + r, pad: "x".repeat(40) })));
    }
    await writeFiles(path.join(world.root, dir), content);
    return makeIngestion(w, { source: { uri: path.join(world.root, dir) }, destination: { schema: "raw", table: dir } });
  }

  it("starts tenant B's run while tenant A's fifth waits at A's limit, then A's fifth when a slot frees, each file loaded once", async () => {
    world = base.withConfig({ config: { runLimits: { maxConcurrentRuns: 5, maxConcurrentRunsPerTenant: 4 } } });
    const a = world;
    const b = await otherTenant("b");
    const dirs = ["a1", "a2", "a3", "a4", "a5"].map((d) => `${d}_${kind}`);
    const ingA = [];
    for (const d of dirs) ingA.push(await ingestionWith(a, d, 20, 500));
    for (const ing of ingA) gated.add(ing.id);
    const ingB = await ingestionWith(b, `b1_${kind}`, 1, 1);

    const runsA: string[] = [];
    for (const ing of ingA) runsA.push((await triggerRun(a.deps, a.tenant.id, ing.id)).runId);
    // One of A's five waits at A's limit. Which one is not this test's concern: runs triggered in
    // the same moment can be decided in either order (a known race: once the fifth ran while the
    // fourth waited; see issue 13's notes); oldest-first is checked by the test after this one.
    let waitingIndex = -1;
    await until("one of A's runs waits", async () => {
      waitingIndex = (await Promise.all(runsA.map(runOf))).findIndex((r) => r.currentStep === WAITING_STEP);
      return waitingIndex !== -1;
    }).catch(async (error: Error) => {
      // What the runs and the world's log say, for a failure on a busy machine.
      const states = (await Promise.all(runsA.map(runOf))).map((r) => `${r.status}/${r.currentStep ?? "-"}`);
      const lines = ((world.deps.log as unknown as { lines?: { level: string; message: string }[] }).lines ?? []).slice(-20);
      throw new Error(`${error.message}; runs ${states.join(", ")}; log: ${lines.map((l) => `${l.level} ${l.message}`).join(" | ")}`);
    });
    const fifth = runsA[waitingIndex]!;
    const first4 = runsA.filter((id) => id !== fifth);
    // The waiting one may be decided before the others (each decision counts the runs queued
    // before it that are still being decided as taking their slots first); they start regardless.
    await until("A's other four run", async () => (await Promise.all(first4.map(runOf))).every((r) => r.status === "RUNNING"));
    const waiting = (await getRun(a.deps, a.tenant.id, fifth)).run;
    expect(waiting).toMatchObject({ status: "QUEUED", queue: { position: 1, reason: "waiting for a slot: tenant limit 4 reached" } });

    // B's one-row run takes the fifth global slot and finishes while A's fifth still waits.
    const runB = (await triggerRun(b.deps, b.tenant.id, ingB.id)).runId;
    await until("B's run finishes", async () => (await runOf(runB)).status === "SUCCEEDED");
    expect(await runOf(fifth)).toMatchObject({ status: "QUEUED", currentStep: WAITING_STEP, startedAt: null });
    expect((await Promise.all(first4.map(runOf))).map((r) => r.status)).toEqual(["RUNNING", "RUNNING", "RUNNING", "RUNNING"]);
    expect(await tableRows(world.deps.engine.warehouse, b.tenant.slug, `raw.b1_${kind}`, "id")).toMatchObject([{ id: "0" }]);

    held.open();
    await world.executor.idle();
    const ended = await Promise.all(runsA.map(runOf));
    expect(ended.map((r) => [r.status, r.error])).toEqual(Array.from({ length: 5 }, () => ["SUCCEEDED", null]));
    expect(ended.map((r) => r.filesLoaded)).toEqual([20, 20, 20, 20, 20]);
    // The waiting one started only once one of the other four had ended.
    const firstEnd = Math.min(...ended.filter((_, i) => i !== waitingIndex).map((r) => r.finishedAt!.getTime()));
    expect(ended[waitingIndex]!.startedAt!.getTime()).toBeGreaterThanOrEqual(firstEnd);
    for (const [i, ing] of ingA.entries()) {
      const rows = await a.deps.engine.warehouse.withConnection(a.tenant.slug, async (c) => {
        const r = await c.runAndReadAll(`SELECT count(*)::INT AS n, count(DISTINCT id)::INT AS d FROM raw."${dirs[i]}"`);
        return r.getRowObjectsJson()[0];
      });
      expect(rows, ing.name).toEqual({ n: 10_000, d: 10_000 });
    }
  });

  it("a run triggered later does not take the slot of an older one whose start is still being decided", async () => {
    world = base.withConfig({ config: { runLimits: { maxConcurrentRuns: 4, maxConcurrentRunsPerTenant: 1 } } });
    const [older, newer] = [await ingestionWith(world, `older_${kind}`, 1, 2), await ingestionWith(world, `newer_${kind}`, 1, 2)];
    // Both triggered; the older run's executor has not decided its slot yet when the newer one's does
    // (on a busy machine the decisions of quick triggers come in any order).
    const queued = new Date(Date.now() - 1_000);
    const r1 = await t.database.prisma.run.create({ data: { ingestionId: older.id, activeIngestionId: older.id, status: "QUEUED", trigger: "MANUAL", queuedAt: queued } });
    const r2 = await t.database.prisma.run.create({ data: { ingestionId: newer.id, activeIngestionId: newer.id, status: "QUEUED", trigger: "MANUAL" } });
    expect(await world.executor.runNow(r2.id)).toEqual({ status: "QUEUED" });
    expect(await runOf(r2.id)).toMatchObject({ status: "QUEUED", currentStep: WAITING_STEP });
    expect((await getRun(world.deps, world.tenant.id, r2.id)).run.queue).toEqual({ position: 1, reason: "waiting for a slot: tenant limit 1 reached" });
    expect(await world.executor.runNow(r1.id)).toEqual({ status: "SUCCEEDED" });
    await world.executor.idle();
    const [e1, e2] = await Promise.all([runOf(r1.id), runOf(r2.id)]);
    expect([e1.status, e2.status]).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    expect(e2.startedAt!.getTime()).toBeGreaterThanOrEqual(e1.finishedAt!.getTime());
  });

  it("an older queued run whose launch was lost (undecided for over 30 s) does not hold a newer one back", async () => {
    world = base.withConfig({ config: { runLimits: { maxConcurrentRuns: 4, maxConcurrentRunsPerTenant: 1 } } });
    const [lost, newer] = [await ingestionWith(world, `lost_${kind}`, 1, 2), await ingestionWith(world, `after_lost_${kind}`, 1, 2)];
    const queued = new Date(Date.now() - 60_000);
    const r1 = await t.database.prisma.run.create({ data: { ingestionId: lost.id, activeIngestionId: lost.id, status: "QUEUED", trigger: "SCHEDULE", queuedAt: queued } });
    const r2 = await t.database.prisma.run.create({ data: { ingestionId: newer.id, activeIngestionId: newer.id, status: "QUEUED", trigger: "MANUAL" } });
    expect(await world.executor.runNow(r2.id)).toEqual({ status: "SUCCEEDED" });
    expect(await runOf(r1.id)).toMatchObject({ status: "QUEUED", currentStep: null });
  });

  it("under the global limit starts waiting runs oldest first, whichever tenant, and says why each waits", async () => {
    world = base.withConfig({ config: { runLimits: { maxConcurrentRuns: 1, maxConcurrentRunsPerTenant: 1 } } });
    const a = world;
    const b = await otherTenant("c");
    const [d1, d2, d3] = ["g1", "g2", "g3"].map((d) => `${d}_${kind}`) as [string, string, string];
    const a1 = await ingestionWith(a, d1, 1, 10);
    gated.add(a1.id);
    const b1 = await ingestionWith(b, d2, 1, 10);
    const a2 = await ingestionWith(a, d3, 1, 10);
    const r1 = (await triggerRun(a.deps, a.tenant.id, a1.id)).runId;
    await until("the first run holds the slot", async () => (await runOf(r1)).status === "RUNNING");
    const r2 = (await triggerRun(b.deps, b.tenant.id, b1.id)).runId;
    await until("B's run waits", async () => (await runOf(r2)).currentStep === WAITING_STEP);
    const r3 = (await triggerRun(a.deps, a.tenant.id, a2.id)).runId;
    await until("A's second run waits", async () => (await runOf(r3)).currentStep === WAITING_STEP);
    expect((await getRun(b.deps, b.tenant.id, r2)).run.queue).toEqual({ position: 1, reason: "waiting for a slot: global limit 1 reached" });
    expect((await getRun(a.deps, a.tenant.id, r3)).run.queue).toEqual({ position: 2, reason: "waiting for a slot: tenant limit 1 reached" });
    held.open();
    await world.executor.idle();
    const [e1, e2, e3] = await Promise.all([r1, r2, r3].map(runOf));
    expect([e1!.status, e2!.status, e3!.status]).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
    // One at a time, in the order they were queued.
    expect(e2!.startedAt!.getTime()).toBeGreaterThanOrEqual(e1!.finishedAt!.getTime());
    expect(e3!.startedAt!.getTime()).toBeGreaterThanOrEqual(e2!.finishedAt!.getTime());
  });

  it("a waiting run survives stale-run expiry; the tick ends the slot's dead holder and starts it", async () => {
    world = base.withConfig({ config: { runLimits: { maxConcurrentRuns: 1, maxConcurrentRunsPerTenant: 1 } } });
    const dead = await ingestionWith(world, `dead_${kind}`, 1, 3);
    const waits = await ingestionWith(world, `waits_${kind}`, 2, 3);
    const long = new Date(Date.now() - 3_600_000);
    // A run whose process died holding the slot, and a run waiting behind it: neither beats.
    const holder = await t.database.prisma.run.create({
      data: { ingestionId: dead.id, activeIngestionId: dead.id, status: "RUNNING", trigger: "MANUAL", startedAt: long, queuedAt: long },
    });
    const waiting = await t.database.prisma.run.create({
      data: { ingestionId: waits.id, activeIngestionId: waits.id, status: "QUEUED", trigger: "SCHEDULE", currentStep: WAITING_STEP, queuedAt: long },
    });
    await t.database.prisma.run.updateMany({ where: { id: { in: [holder.id, waiting.id] } }, data: { updatedAt: long } });

    // The tick: the holder's heartbeat is an hour old, so it is ended (a dead process must not keep
    // every tenant waiting until a restart); the waiting run, as old, is only waiting and starts.
    expect(await runSchedulerTick(world.deps)).toEqual({ due: 0, started: [], skipped: [] });
    await world.executor.idle();
    expect(await runOf(holder.id)).toMatchObject({ status: "FAILED", activeIngestionId: null });
    expect(await runOf(waiting.id)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 2, activeIngestionId: null });
  });

  it("after a restart a waiting run starts once the holder of its slot (beating until the crash) is ended", async () => {
    world = base.withConfig({ config: { runLimits: { maxConcurrentRuns: 1, maxConcurrentRunsPerTenant: 1 } } });
    const crashed = await ingestionWith(world, `crashed_${kind}`, 1, 3);
    const behind = await ingestionWith(world, `behind_${kind}`, 2, 3);
    const holder = await t.database.prisma.run.create({
      data: { ingestionId: crashed.id, activeIngestionId: crashed.id, status: "RUNNING", trigger: "MANUAL", startedAt: new Date() },
    });
    const waiting = await t.database.prisma.run.create({
      data: { ingestionId: behind.id, activeIngestionId: behind.id, status: "QUEUED", trigger: "SCHEDULE", currentStep: WAITING_STEP },
    });
    // Its heartbeat is fresh: a tick leaves it (and so the waiting run) alone.
    expect(await runSchedulerTick(world.deps)).toEqual({ due: 0, started: [], skipped: [] });
    expect(await runOf(waiting.id)).toMatchObject({ status: "QUEUED", currentStep: WAITING_STEP });
    // Restart on the embedded database: every active run is dead except the waiting one, which starts.
    expect(await expireRunsAtStart(world.deps, "pglite")).toBe(1);
    await world.executor.idle();
    expect(await runOf(holder.id)).toMatchObject({ status: "FAILED", activeIngestionId: null });
    expect(await runOf(waiting.id)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 2, activeIngestionId: null });
  });

  it("a run whose slot decision fails waits for a slot instead of staying QUEUED for nobody, and the next tick starts it", async () => {
    world = base.withConfig({ config: { runLimits: { maxConcurrentRuns: 4, maxConcurrentRunsPerTenant: 2 } } });
    const ing = await ingestionWith(world, `undecided_${kind}`, 1, 3);
    // The database refuses the decision's transaction once (as a timed-out one is).
    const db = world.deps.db;
    let failures = 1;
    const flaky = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop === "$transaction" && failures > 0) {
          failures -= 1;
          return async () => {
            throw new Error("Transaction already closed: the timeout for this transaction was 5000 ms");
          };
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const executor = createDirectExecutor(() => ({ ...world.deps, db: flaky }));
    const run = await db.run.create({ data: { ingestionId: ing.id, activeIngestionId: ing.id, status: "QUEUED", trigger: "MANUAL" } });
    expect(await executor.runNow(run.id)).toEqual({ status: "QUEUED" });
    expect(await runOf(run.id)).toMatchObject({ status: "QUEUED", currentStep: WAITING_STEP });
    // The safety net: the tick finds it waiting with a free slot.
    await runSchedulerTick(world.deps);
    await world.executor.idle();
    expect(await runOf(run.id)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1 });
  });
});
