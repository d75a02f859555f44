// The in-process scheduler against a real database: its ticks fire what is due on the service
// clock, one ticker per process, overlapping ticks shared, and stop() really stops the timer.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { createIngestionInput } from "@/shared/contracts/ingestions";
import { ensureTenant } from "@/server/services/auth/tenants";
import type { LaunchRequest, ServiceDeps } from "@/server/deps";
import { createIngestion } from "@/server/services/ingestions/create-ingestion";
import { setIngestionStatus } from "@/server/services/ingestions/set-ingestion-status";
import { createTestDatabase, describeEachDatabase, type TestDatabase, recordingLauncher, recordingLogger, testClock, testDeps, type RecordingLogger, type TestClock } from "@/test/world";
import { createLocalConnection, FILES } from "@/test/connection-fixtures";
import { ingestionDraft } from "@/test/ingestion-fixtures";
import { startEmbeddedScheduler, type EmbeddedScheduler } from "./embedded-scheduler";

// 14:30 in Berlin on 22 November 2026 (CET, UTC+1) is 13:30Z; the clock starts before it.
const START = new Date("2026-11-22T12:00:00.000Z");
const DUE = new Date("2026-11-22T13:30:05.000Z");
const BERLIN_1430 = { frequency: "DAILY", time: "14:30", timezone: "Europe/Berlin" } as const;
const ROOT = "/tmp/autoloader-test-roots";
/**
 * The longest interval Node's timers take (about 24.8 days): the first timed tick waits for the
 * next multiple of it, so tests that call tick() themselves are not joined by the timer.
 */
const NO_TIMED_TICKS = 2 ** 31 - 1;

interface SchedulerWorld {
  deps: ServiceDeps;
  clock: TestClock;
  log: RecordingLogger;
  launched: LaunchRequest[];
  /** Reads of ingestion lists: each tick makes exactly one (creating an ingestion makes one too). */
  ticks(): number;
  tenantId: string;
}

async function schedulerWorld(db: ServiceDeps["db"]): Promise<SchedulerWorld> {
  const clock = testClock(START);
  const log = recordingLogger();
  const launcher = recordingLauncher();
  const launched = launcher.launched;
  const base = testDeps(db, { clock, log, localRoots: [ROOT], runs: launcher });
  let reads = 0;
  const ingestion = new Proxy(db.ingestion, {
    get: (target, prop) => {
      if (prop === "findMany") reads += 1;
      return Reflect.get(target, prop);
    },
  });
  const deps = { ...base, db: new Proxy(db, { get: (target, prop) => (prop === "ingestion" ? ingestion : Reflect.get(target, prop)) }) };
  const tenant = await ensureTenant(base, `t-${randomBytes(4).toString("hex")}`);
  // ingestionDraft reads through the tenant's "files" connection on the root.
  await createLocalConnection(base, tenant.id, FILES, ROOT);
  // The tests read the scheduler's log lines, not the setup's.
  log.lines.length = 0;
  return { deps, clock, log, launched, ticks: () => reads, tenantId: tenant.id };
}

describeEachDatabase("embedded scheduler", (kind) => {
  let t: TestDatabase;
  let db: ServiceDeps["db"];
  const started: EmbeddedScheduler[] = [];
  const start = (deps: ServiceDeps, opts: Parameters<typeof startEmbeddedScheduler>[1]) => {
    const s = startEmbeddedScheduler(deps, opts);
    started.push(s);
    return s;
  };
  const make = (w: SchedulerWorld, name: string) =>
    createIngestion(w.deps, w.tenantId, createIngestionInput.parse(ingestionDraft(ROOT, name, { schedule: BERLIN_1430 })));

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    db = t.database.prisma;
  });
  afterEach(async () => {
    for (const s of started.splice(0)) s.stop();
    await db.ingestion.deleteMany();
  });
  afterAll(async () => {
    await t.destroy();
  });

  it("fires a due ingestion on the service clock and skips a paused one", async () => {
    const w = await schedulerWorld(db);
    const scheduler = start(w.deps, { intervalMs: NO_TIMED_TICKS, unique: false });
    const active = await make(w, "active");
    const paused = await make(w, "paused");
    await setIngestionStatus(w.deps, w.tenantId, paused.id, "pause");

    w.clock.now = DUE;
    const result = await scheduler.tick();
    expect(result).toEqual({
      due: 1,
      started: [{ ingestionId: active.id, runId: expect.any(String), method: "direct", slot: "2026-11-22T13:30" }],
      skipped: [],
    });
    expect(w.launched.map((l) => l.eventId)).toEqual([`${active.id}:2026-11-22T13:30`]);
    expect((await db.run.findMany({ where: { ingestionId: { in: [active.id, paused.id] } } })).map((r) => [r.ingestionId, r.trigger])).toEqual([
      [active.id, "SCHEDULE"],
    ]);
  });

  it("returns the running scheduler to a second start in the process, so only one ticker runs", async () => {
    const a = await schedulerWorld(db);
    const b = await schedulerWorld(db);
    const first = start(a.deps, { intervalMs: 25 });
    const second = start(b.deps, { intervalMs: 25 });
    expect(second).toBe(first);

    await vi.waitFor(() => expect(a.ticks()).toBeGreaterThanOrEqual(3), { timeout: 5_000, interval: 10 });
    expect(b.ticks()).toBe(0);
    expect(a.log.lines.filter((l) => l.message.startsWith("[scheduler] embedded scheduler started"))).toHaveLength(1);
    expect(b.log.lines).toEqual([]);
  });

  it("shares one running tick between overlapping tick() calls", async () => {
    const w = await schedulerWorld(db);
    const scheduler = start(w.deps, { intervalMs: NO_TIMED_TICKS, unique: false });
    const ing = await make(w, "orders");
    w.clock.now = DUE;
    const before = w.ticks();

    const first = scheduler.tick();
    const second = scheduler.tick();
    expect(second).toBe(first);
    const result = await first;
    expect(result.started.map((s) => s.ingestionId)).toEqual([ing.id]);
    expect(w.ticks() - before).toBe(1);
    expect(w.launched).toHaveLength(1);

    // Once it has finished, the next call is a new tick, which finds nothing left to do.
    const third = scheduler.tick();
    expect(third).not.toBe(first);
    expect(await third).toEqual({ due: 0, started: [], skipped: [] });
    expect(w.ticks() - before).toBe(2);
  });

  it("ticks on its own timer and fires a due ingestion once", async () => {
    const w = await schedulerWorld(db);
    const ing = await make(w, "orders");
    w.clock.now = DUE;
    start(w.deps, { intervalMs: 20, unique: false });

    await vi.waitFor(() => expect(w.launched).toHaveLength(1), { timeout: 5_000, interval: 10 });
    const ticksSoFar = w.ticks();
    await vi.waitFor(() => expect(w.ticks()).toBeGreaterThanOrEqual(ticksSoFar + 3), { timeout: 5_000, interval: 10 });
    // Later ticks in the same (test) minute find the ingestion already moved to tomorrow.
    expect(w.launched.map((l) => l.eventId)).toEqual([`${ing.id}:2026-11-22T13:30`]);
    expect(await db.run.count({ where: { ingestionId: ing.id } })).toBe(1);
  });

  it("stops ticking on stop(), and a later start is a new scheduler", async () => {
    const w = await schedulerWorld(db);
    const scheduler = start(w.deps, { intervalMs: 20 });
    await vi.waitFor(() => expect(w.ticks()).toBeGreaterThanOrEqual(2), { timeout: 5_000, interval: 10 });

    scheduler.stop();
    const ticksAtStop = w.ticks();
    await sleep(200); // ten intervals
    expect(w.ticks()).toBe(ticksAtStop);

    const again = start(w.deps, { intervalMs: NO_TIMED_TICKS });
    expect(again).not.toBe(scheduler);
  });

  it("logs a failed tick and answers with an empty result, and the next tick works", async () => {
    const w = await schedulerWorld(db);
    const ing = await make(w, "orders");
    w.clock.now = DUE;
    let broken = true;
    const deps: ServiceDeps = {
      ...w.deps,
      clock: () => {
        if (broken) throw new Error("clock unavailable");
        return w.clock.now;
      },
    };
    const scheduler = start(deps, { intervalMs: NO_TIMED_TICKS, unique: false });

    expect(await scheduler.tick()).toEqual({ due: 0, started: [], skipped: [] });
    expect(w.log.lines).toContainEqual({ level: "error", message: "[scheduler] tick failed: clock unavailable" });

    broken = false;
    expect((await scheduler.tick()).started.map((s) => s.ingestionId)).toEqual([ing.id]);
  });
});
