// The scheduler tick against a real database on a controlled clock: what fires, once, with which
// event id, and where each ingestion's next run moves to.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { openDatabase, type Database } from "@/server/db/database";
import { createIngestionInput, type CreateIngestionDraft } from "@/shared/contracts/ingestions";
import { ensureTenant } from "@/server/services/auth/tenants";
import type { LaunchRequest, ServiceDeps } from "@/server/deps";
import { createIngestion } from "@/server/services/ingestions/create-ingestion";
import { setIngestionStatus } from "@/server/services/ingestions/set-ingestion-status";
import { triggerRun } from "@/server/services/runs/trigger-run";
import { createTestDatabase, describeEachDatabase, type TestDatabase, createRunWorld, recordingLauncher, recordingLogger, testClock, testDeps, type RecordingLogger, type TestClock } from "@/test/world";
import { createLocalConnection, FILES } from "@/test/connection-fixtures";
import { ingestionDraft } from "@/test/ingestion-fixtures";
import { jsonl, writeFiles } from "@/test/run-fixtures";
import { runSchedulerTick, type TickResult } from "./scheduler-tick";

// 22 November 2026 is a Sunday in winter: Berlin is on CET (UTC+1), so 14:30 there is 13:30Z.
const START = new Date("2026-11-22T12:00:00.000Z");
const BERLIN_1430 = { frequency: "DAILY", time: "14:30", timezone: "Europe/Berlin" } as const;
const FIRST_FIRE = new Date("2026-11-22T13:30:00.000Z");
const SECOND_FIRE = new Date("2026-11-23T13:30:00.000Z");
const DAY = 24 * 3_600_000;
// Local sources need not exist to be created; these ingestions never read them.
const ROOT = "/tmp/autoloader-test-roots";

interface TickWorld {
  deps: ServiceDeps;
  clock: TestClock;
  log: RecordingLogger;
  launched: LaunchRequest[];
  tenantId: string;
  make(name: string, schedule?: CreateIngestionDraft["schedule"]): ReturnType<typeof createIngestion>;
}

/** A tenant whose runs go to a launcher that only records them (they stay QUEUED). */
async function tickWorld(db: ServiceDeps["db"]): Promise<TickWorld> {
  const clock = testClock(START);
  const log = recordingLogger();
  const launcher = recordingLauncher();
  const launched = launcher.launched;
  const deps = testDeps(db, { clock, log, localRoots: [ROOT], runs: launcher });
  const tenant = await ensureTenant(deps, `t-${randomBytes(4).toString("hex")}`);
  // ingestionDraft reads through the tenant's "files" connection on the root.
  await createLocalConnection(deps, tenant.id, FILES, ROOT);
  return {
    deps,
    clock,
    log,
    launched,
    tenantId: tenant.id,
    make: (name, schedule = BERLIN_1430) =>
      createIngestion(deps, tenant.id, createIngestionInput.parse(ingestionDraft(ROOT, name, { schedule }))),
  };
}

/** A promise every party waits on until `parties` have arrived. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    arrived += 1;
    if (arrived === parties) open();
    return opened;
  };
}

/**
 * `deps` whose due-ingestion query returns only once every racing tick has run it, so the ticks
 * all see the same due rows before any of them claims one: the race the compare-and-set is for.
 */
function afterReadBarrier(deps: ServiceDeps, arrive: () => Promise<void>): ServiceDeps {
  const ingestion = deps.db.ingestion;
  const findMany = (async (args: Parameters<typeof ingestion.findMany>[0]) => {
    const rows = await ingestion.findMany(args);
    await arrive();
    return rows;
  }) as typeof ingestion.findMany;
  const gatedIngestion = new Proxy(ingestion, {
    get: (target, prop) => (prop === "findMany" ? findMany : Reflect.get(target, prop)),
  });
  const db = new Proxy(deps.db, {
    get: (target, prop) => (prop === "ingestion" ? gatedIngestion : Reflect.get(target, prop)),
  });
  return { ...deps, db };
}

describeEachDatabase("scheduler tick", (kind) => {
  let t: TestDatabase;
  let db: ServiceDeps["db"];

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    db = t.database.prisma;
  });
  // A tick sees every tenant's ingestions: each test starts from none.
  afterEach(async () => {
    await db.ingestion.deleteMany();
  });
  afterAll(async () => {
    await t.destroy();
  });

  const nextRunAtOf = async (id: string) =>
    (await db.ingestion.findUniqueOrThrow({ where: { id }, select: { nextRunAt: true } })).nextRunAt;

  it("fires a due ingestion once, as a scheduled run with its slot's event id, and moves it to the next day's 14:30 Berlin", async () => {
    const w = await tickWorld(db);
    const ing = await w.make("orders");
    expect(ing.schedule.nextRunAt).toEqual(FIRST_FIRE);

    w.clock.now = new Date("2026-11-22T13:30:20.000Z"); // a tick 20 s into the minute
    const result = await runSchedulerTick(w.deps);

    const runs = await db.run.findMany({ where: { ingestionId: ing.id } });
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(result).toEqual({
      due: 1,
      started: [{ ingestionId: ing.id, runId: run.id, method: "direct", slot: "2026-11-22T13:30" }],
      skipped: [],
    } satisfies TickResult);
    expect(run).toMatchObject({ trigger: "SCHEDULE", status: "QUEUED", activeIngestionId: ing.id, queuedAt: w.clock.now });
    expect(w.launched).toEqual([
      { runId: run.id, ingestionId: ing.id, tenantId: w.tenantId, eventId: `${ing.id}:2026-11-22T13:30` },
    ]);
    expect(await nextRunAtOf(ing.id)).toEqual(SECOND_FIRE);

    // The same minute again: nothing is due any more.
    expect(await runSchedulerTick(w.deps)).toEqual({ due: 0, started: [], skipped: [] });
    expect(w.launched).toHaveLength(1);
  });

  it("never fires a paused ingestion, even one whose row still holds a past next run", async () => {
    const w = await tickWorld(db);
    const paused = await w.make("paused");
    expect((await setIngestionStatus(w.deps, w.tenantId, paused.id, "pause")).schedule.nextRunAt).toBeNull();
    // A row paused by hand, or before pausing cleared the next run: the status alone must stop it.
    const stale = await w.make("stale");
    await db.ingestion.update({ where: { id: stale.id }, data: { status: "PAUSED", nextRunAt: FIRST_FIRE } });

    w.clock.now = new Date(FIRST_FIRE.getTime() + 2 * DAY);
    expect(await runSchedulerTick(w.deps)).toEqual({ due: 0, started: [], skipped: [] });
    expect(await db.run.count({ where: { ingestionId: { in: [paused.id, stale.id] } } })).toBe(0);
    expect(w.launched).toEqual([]);
    expect(await nextRunAtOf(stale.id)).toEqual(FIRST_FIRE);
  });

  it("does not fire before the fire time, and fires at it exactly", async () => {
    const w = await tickWorld(db);
    const ing = await w.make("orders");

    w.clock.now = new Date(FIRST_FIRE.getTime() - 1);
    expect(await runSchedulerTick(w.deps)).toEqual({ due: 0, started: [], skipped: [] });
    expect(await nextRunAtOf(ing.id)).toEqual(FIRST_FIRE);
    expect(await db.run.count({ where: { ingestionId: ing.id } })).toBe(0);

    w.clock.now = FIRST_FIRE;
    const result = await runSchedulerTick(w.deps);
    expect(result.started.map((s) => [s.ingestionId, s.slot])).toEqual([[ing.id, "2026-11-22T13:30"]]);
    expect(await nextRunAtOf(ing.id)).toEqual(SECOND_FIRE);
  });

  it("starts one run when two ticks race for the same slot", async () => {
    const w = await tickWorld(db);
    const ing = await w.make("orders");
    w.clock.now = new Date("2026-11-22T13:30:05.000Z");

    // On PostgreSQL the second tick uses a connection pool of its own, like another process.
    const second: Database | null = t.url ? await openDatabase({ kind: "postgres", url: t.url }) : null;
    try {
      const arrive = barrier(2);
      const depsA = afterReadBarrier(w.deps, arrive);
      const depsB = afterReadBarrier(second ? { ...w.deps, db: second.prisma } : w.deps, arrive);
      const results = await Promise.all([runSchedulerTick(depsA), runSchedulerTick(depsB)]);

      // Both saw the ingestion due; exactly one claimed the slot.
      expect(results.map((r) => r.due)).toEqual([1, 1]);
      expect(results.flatMap((r) => r.started).map((s) => [s.ingestionId, s.slot])).toEqual([[ing.id, "2026-11-22T13:30"]]);
      expect(results.flatMap((r) => r.skipped)).toEqual([{ ingestionId: ing.id, reason: "another tick took this slot" }]);
    } finally {
      await second?.close();
    }
    expect(await db.run.count({ where: { ingestionId: ing.id } })).toBe(1);
    expect(w.launched.map((l) => l.eventId)).toEqual([`${ing.id}:2026-11-22T13:30`]);
    expect(await nextRunAtOf(ing.id)).toEqual(SECOND_FIRE);
  });

  it("skips a slot while the previous run is still going, without queueing it, and still moves to the next slot", async () => {
    const w = await tickWorld(db);
    const ing = await w.make("orders");
    w.clock.now = new Date("2026-11-22T13:00:00.000Z");
    const manual = await triggerRun(w.deps, w.tenantId, ing.id);

    w.clock.now = new Date("2026-11-22T13:30:10.000Z");
    // Running, with a heartbeat a minute ago: not stale, so it really blocks.
    await db.run.update({ where: { id: manual.runId }, data: { status: "RUNNING", updatedAt: new Date(w.clock.now.getTime() - 60_000) } });
    const reason = `Ingestion 'orders' already has an active run ${manual.runId} (running); wait for it to finish`;
    expect(await runSchedulerTick(w.deps)).toEqual({ due: 1, started: [], skipped: [{ ingestionId: ing.id, reason }] });

    expect((await db.run.findMany({ where: { ingestionId: ing.id } })).map((r) => [r.id, r.trigger, r.status])).toEqual([
      [manual.runId, "MANUAL", "RUNNING"],
    ]);
    expect(w.launched.map((l) => l.eventId)).toEqual([`run:${manual.runId}`]);
    expect(await nextRunAtOf(ing.id)).toEqual(SECOND_FIRE);
    expect(w.log.lines).toContainEqual({ level: "warn", message: `[scheduler] ${ing.id} slot 2026-11-22T13:30 skipped: ${reason}` });
  });

  it("after downtime fires one run for the missed slots, not a backlog, and schedules the next one after now", async () => {
    const w = await tickWorld(db);
    const ing = await w.make("orders");
    // Down from before the first fire time until three days and an hour after it.
    w.clock.now = new Date(FIRST_FIRE.getTime() + 3 * DAY + 3_600_000); // 2026-11-25T14:30Z

    const result = await runSchedulerTick(w.deps);
    expect(result.started.map((s) => [s.ingestionId, s.slot])).toEqual([[ing.id, "2026-11-22T13:30"]]);
    expect(await db.run.count({ where: { ingestionId: ing.id } })).toBe(1);
    expect(await nextRunAtOf(ing.id)).toEqual(new Date("2026-11-26T13:30:00.000Z"));

    expect(await runSchedulerTick(w.deps)).toEqual({ due: 0, started: [], skipped: [] });
    expect(w.launched).toHaveLength(1);
  });

  it("on resume schedules the next fire time from now, so the days spent paused are not replayed", async () => {
    const w = await tickWorld(db);
    const ing = await w.make("orders");
    await setIngestionStatus(w.deps, w.tenantId, ing.id, "pause");

    w.clock.now = new Date("2026-11-25T15:00:00.000Z");
    const resumed = await setIngestionStatus(w.deps, w.tenantId, ing.id, "resume");
    expect(resumed.schedule.nextRunAt).toEqual(new Date("2026-11-26T13:30:00.000Z"));
    expect(await runSchedulerTick(w.deps)).toEqual({ due: 0, started: [], skipped: [] });
    expect(w.launched).toEqual([]);
  });

  it("leaves the next run in the future when a run finishes, including one that outlasted its slot", async () => {
    const clock = testClock(START);
    const world = await createRunWorld(db, { clock });
    try {
      await writeFiles(path.join(world.root, "landing"), { "a.jsonl": jsonl([{ id: 1 }]) });
      const input = createIngestionInput.parse({
        name: "orders",
        source: { connection: FILES, path: "landing" },
        format: { type: "JSON" },
        destination: { schema: "raw", table: "orders" },
        schedule: BERLIN_1430,
      });
      const ing = await createIngestion(world.deps, world.tenant.id, input);

      clock.now = new Date("2026-11-22T13:30:05.000Z");
      const { started } = await runSchedulerTick(world.deps);
      await world.executor.idle();
      const scheduled = await db.run.findUniqueOrThrow({ where: { id: started[0]!.runId } });
      expect(scheduled).toMatchObject({ trigger: "SCHEDULE", status: "SUCCEEDED", filesLoaded: 1 });
      expect(await nextRunAtOf(ing.id)).toEqual(SECOND_FIRE);

      // No tick ran on the 23rd (say Inngest was down): the stored next run is past when a manual
      // run finishes at 14:00Z, and the finish moves it to the 24th rather than leaving it due.
      clock.now = new Date("2026-11-23T14:00:00.000Z");
      const manual = await triggerRun(world.deps, world.tenant.id, ing.id);
      await world.executor.idle();
      expect(await db.run.findUniqueOrThrow({ where: { id: manual.runId } })).toMatchObject({ status: "NO_NEW_FILES" });
      expect(await nextRunAtOf(ing.id)).toEqual(new Date("2026-11-24T13:30:00.000Z"));
    } finally {
      await world.cleanup();
    }
  });
});
