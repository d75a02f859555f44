// Who /api/inngest serves. In dev mode the SDK runs whatever a POST asks without a signature, so it
// is served only when the server listens on loopback; outside dev mode only signed requests are
// served, and without a signing key none. "Served" is checked by what matters: whether an
// unauthenticated POST ran the scheduler tick (a due ingestion was launched and moved on).
import { NextRequest } from "next/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AppConfig } from "@/env";
import { createInngestClient, type InngestSettings } from "@/server/inngest/client";
import type { LaunchRequest } from "@/server/deps";
import { createTestDatabase, type TestDatabase, createRunWorld, type RunWorld } from "@/test/world";
import { freePort } from "@/test/ports";
import { makeIngestion } from "@/test/run-fixtures";
import { createInngestRoute } from ".";

describe("/api/inngest access", () => {
  let t: TestDatabase;
  let world: RunWorld;
  let launches: LaunchRequest[];
  let ingestionId: string;
  let unreachable: string;
  const due = new Date("2020-01-01T00:00:00.000Z");

  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    world = (await createRunWorld(t.database.prisma)).withConfig({
      runs: {
        kind: "inngest",
        async launch(request) {
          launches.push(request);
          return { method: "inngest", eventId: request.eventId };
        },
      },
    });
    unreachable = `http://127.0.0.1:${await freePort()}`;
    ingestionId = (await makeIngestion(world)).id;
  });
  afterAll(async () => {
    await world?.cleanup();
    await t?.destroy();
  });
  beforeEach(async () => {
    await reset();
  });
  async function reset() {
    launches = [];
    await world.deps.db.run.deleteMany({ where: { ingestionId } });
    await world.deps.db.ingestion.update({
      where: { id: ingestionId },
      data: { status: "ACTIVE", scheduleFrequency: "HOURLY", scheduleTimezone: "UTC", nextRunAt: due },
    });
  }

  function route(settings: Partial<InngestSettings>, host: string | undefined) {
    const inngest: InngestSettings = { eventKey: undefined, signingKey: undefined, dev: false, baseUrl: unreachable, sendTimeoutMs: 500, ...settings };
    const config = { host, inngest } as Pick<AppConfig, "host" | "inngest">;
    return createInngestRoute(async () => ({ inngest: createInngestClient(inngest), deps: world.deps, config }));
  }

  /** The request Inngest sends to run the scheduler tick, unsigned (plus any browser headers). */
  function tickRequest(extraHeaders: Record<string, string> = {}) {
    const event = { name: "inngest/scheduled.timer", data: { cron: "* * * * *" }, id: "tick-1", ts: Date.now() };
    return new NextRequest("http://127.0.0.1:3000/api/inngest?fnId=autoloader-scheduler-tick&stepId=step", {
      method: "POST",
      headers: { "content-type": "application/json", ...extraHeaders },
      body: JSON.stringify({
        event,
        events: [event],
        steps: {},
        ctx: { run_id: "01JTESTRUN000000000000000", attempt: 0, disable_immediate_execution: false, use_api: false, stack: { stack: [], current: 0 } },
        version: 1,
      }),
    });
  }

  const runs = () => world.deps.db.run.count({ where: { ingestionId } });
  const nextRunAt = async () => (await world.deps.db.ingestion.findUniqueOrThrow({ where: { id: ingestionId } })).nextRunAt;

  it("in dev mode on loopback, runs an unsigned tick (the dev server's calls are served)", async () => {
    for (const host of ["127.0.0.1", "localhost", "::1"]) {
      await reset();
      const res = await route({ dev: true }, host).POST(tickRequest(), {});
      expect({ host, ok: res.status < 300 }).toEqual({ host, ok: true });
      expect(launches.map((l) => l.ingestionId)).toEqual([ingestionId]);
      expect(await runs()).toBe(1);
      expect(await nextRunAt()).not.toEqual(due);
    }
  });

  it("in dev mode on loopback, refuses a browser's cross-site POST (Origin or Sec-Fetch-Site) and runs no tick", async () => {
    const browsers: Record<string, string>[] = [
      { origin: "https://evil.example", "content-type": "text/plain" },
      { origin: "http://127.0.0.1:3000" },
      { "sec-fetch-site": "cross-site" },
    ];
    for (const headers of browsers) {
      const res = await route({ dev: true }, "127.0.0.1").POST(tickRequest(headers), {});
      expect({ status: res.status, body: await res.json() }).toEqual({
        status: 403,
        body: {
          error: "Inngest dev mode serves /api/inngest to the Inngest dev server only: requests from a browser (with Origin or Sec-Fetch-Site) are refused",
        },
      });
    }
    expect(launches).toEqual([]);
    expect(await runs()).toBe(0);
    expect(await nextRunAt()).toEqual(due);
  });

  it("in dev mode on every interface or a non-loopback address, answers 403 to every method and runs no tick", async () => {
    for (const host of [undefined, "0.0.0.0", "::", "192.168.1.20", "autoloader.example.com"]) {
      const r = route({ dev: true }, host);
      const res = await r.POST(tickRequest(), {});
      expect({ host, status: res.status, body: await res.json() }).toEqual({
        host,
        status: 403,
        body: {
          error:
            "Inngest dev mode (INNGEST_DEV) serves /api/inngest unauthenticated, so only when the server listens on loopback: set HOST=127.0.0.1, or use Inngest Cloud with INNGEST_SIGNING_KEY",
        },
      });
      for (const method of ["GET", "PUT"] as const) {
        expect((await r[method](new NextRequest("http://127.0.0.1:3000/api/inngest", { method }), {})).status).toBe(403);
      }
    }
    expect(launches).toEqual([]);
    expect(await runs()).toBe(0);
    expect(await nextRunAt()).toEqual(due);
  });

  it("outside dev mode without a signing key, answers 500 naming it and runs no tick", async () => {
    const res = await route({ eventKey: "evt" }, "0.0.0.0").POST(tickRequest(), {});
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 500,
      body: { error: "INNGEST_SIGNING_KEY is not set: /api/inngest serves only requests signed by Inngest Cloud" },
    });
    expect(launches).toEqual([]);
    expect(await runs()).toBe(0);
    expect(await nextRunAt()).toEqual(due);
  });

  it("outside dev mode with a signing key, refuses an unsigned tick", async () => {
    const signingKey = `signkey-prod-${"ab".repeat(32)}`;
    const res = await route({ eventKey: "evt", signingKey }, "0.0.0.0").POST(tickRequest(), {});
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(launches).toEqual([]);
    expect(await runs()).toBe(0);
    expect(await nextRunAt()).toEqual(due);
  });
});
