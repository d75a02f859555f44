// The `scheduler-tick` cron function, run in-process by @inngest/test against a real database:
// it starts runs for due active ingestions only, through the launcher, with the slot's event id.
import { InngestTestEngine } from "@inngest/test";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createInngestClient } from "@/server/inngest/client";
import type { TickResult } from "@/server/scheduling/scheduler-tick";
import type { LaunchRequest } from "@/server/deps";
import { createTestDatabase, type TestDatabase, createRunWorld, type RunWorld, testClock, type TestClock } from "@/test/world";
import { makeIngestion } from "@/test/run-fixtures";
import { createSchedulerTickFunction } from "./scheduler-tick";

const inngest = createInngestClient({
  eventKey: "test",
  signingKey: undefined,
  dev: false,
  baseUrl: "http://inngest.test",
  sendTimeoutMs: 500,
});

describe("scheduler-tick function", () => {
  let t: TestDatabase;
  let world: RunWorld;
  let clock: TestClock;
  let launches: LaunchRequest[];
  const fn = () => createSchedulerTickFunction(inngest, async () => world.deps);

  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    clock = testClock(new Date("2026-11-22T14:30:20.000Z"));
    // Records what the Inngest launcher would send, without sending it.
    world = (await createRunWorld(t.database.prisma, { clock })).withConfig({
      runs: {
        kind: "inngest",
        async launch(request) {
          launches.push(request);
          return { method: "inngest", eventId: request.eventId };
        },
      },
    });
  });
  afterAll(async () => {
    await world.cleanup();
    await t.destroy();
  });
  beforeEach(() => {
    launches = [];
  });

  async function scheduled(status: "ACTIVE" | "PAUSED", nextRunAt: Date) {
    const ing = await makeIngestion(world);
    await world.deps.db.ingestion.update({
      where: { id: ing.id },
      data: { status, scheduleFrequency: "HOURLY", scheduleTimezone: "UTC", nextRunAt },
    });
    return ing.id;
  }

  it("is a cron trigger every minute, one tick at a time, without retries", () => {
    const { opts } = fn();
    expect(opts.id).toBe("scheduler-tick");
    expect(opts.triggers).toEqual([{ cron: "* * * * *" }]);
    expect(opts.singleton).toEqual({ mode: "skip" });
    expect(opts.retries).toBe(0);
  });

  it("starts a run for the due active ingestion only, with the event id of its slot", async () => {
    const slotTime = new Date("2026-11-22T14:30:00.000Z");
    const due = await scheduled("ACTIVE", slotTime);
    const paused = await scheduled("PAUSED", new Date("2026-11-22T14:00:00.000Z"));
    const later = await scheduled("ACTIVE", new Date("2026-11-22T15:00:00.000Z"));

    const { result, error, ctx } = await new InngestTestEngine({ function: fn() }).execute();
    expect(error).toBeUndefined();
    const runs = await world.deps.db.run.findMany({ select: { id: true, ingestionId: true, trigger: true, status: true } });
    expect(runs).toEqual([{ id: expect.any(String), ingestionId: due, trigger: "SCHEDULE", status: "QUEUED" }]);
    const runId = runs[0]!.id;
    expect(result).toEqual({
      due: 1,
      started: [{ ingestionId: due, runId, method: "inngest", slot: "2026-11-22T14:30" }],
      skipped: [],
    } satisfies TickResult);
    expect(launches).toEqual([{ runId, ingestionId: due, tenantId: world.tenant.id, eventId: `${due}:2026-11-22T14:30` }]);
    expect(ctx.step.run).toHaveBeenCalledTimes(1);
    expect(ctx.step.run).toHaveBeenCalledWith("tick", expect.any(Function));

    // The due ingestion's next fire time moved past now; the others were left as they were.
    const next = await world.deps.db.ingestion.findMany({
      where: { id: { in: [due, paused, later] } },
      select: { id: true, nextRunAt: true },
    });
    expect(Object.fromEntries(next.map((n) => [n.id, n.nextRunAt?.toISOString()]))).toEqual({
      [due]: "2026-11-22T15:00:00.000Z",
      [paused]: "2026-11-22T14:00:00.000Z",
      [later]: "2026-11-22T15:00:00.000Z",
    });

    // A second tick in the same minute (a duplicate delivery) finds nothing due.
    const again = await new InngestTestEngine({ function: fn() }).execute();
    expect(again.result).toEqual({ due: 0, started: [], skipped: [] });
    expect(launches).toHaveLength(1);
  });
});
