// The Inngest fallback, in one place. First the launcher with the real Inngest client: a run goes
// to Inngest when its event API takes the event, and runs in-process (promptly) when the API
// refuses it, cannot be reached, or does not answer. msw stands in for Inngest's event API only
// (third-party HTTP); the database, the warehouse, the files and the direct executor are real.
// Then the whole app started with Inngest configured but unreachable.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { NextRequest } from "next/server";
import { delay, http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "@/env";
import { DomainError } from "@/server/domain/errors";
import { createInngestRoute, INNGEST_NOT_CONFIGURED } from "@/server/inngest";
import { openRuntime, type Runtime } from "@/server/runtime";
import { authenticateApiKey } from "@/server/services/auth/authenticate-api-key";
import { checkHealth } from "@/server/services/health";
import { createInngestClient } from "@/server/inngest/client";
import { RUN_REQUESTED } from "@/server/inngest/events";
import { triggerRun } from "@/server/services/runs/trigger-run";
import { callerAs, createTestDatabase, type TestDatabase, createRunWorld, type RunWorld, recordingLogger, type RecordingLogger } from "@/test/world";
import { ingestionDraft } from "@/test/ingestion-fixtures";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";
import { jsonl, makeIngestion, writeFiles } from "@/test/run-fixtures";
import { reasonToSkip } from "@/server/runs/executors/inngest";
import { failRun } from "@/server/runs/steps/finish";
import { createInngestLauncher } from "./launcher";
import { freePort } from "@/test/ports";

const INNGEST = "http://inngest.test";
/** Where the SDK posts events: `${baseUrl}/e/${eventKey}`. */
const EVENT_API = `${INNGEST}/e/test`;
const TIMEOUT_MS = 500;

const server = setupServer();

describe("Inngest launcher against Inngest's event API", () => {
  let t: TestDatabase;
  let base: RunWorld;
  /** `base` with its runs pointed at Inngest (useInngest). */
  let world: RunWorld;
  let log: RecordingLogger;
  /**
   * Sends the launcher gave up on: the SDK goes on retrying them in the background (a late event
   * is what the run-ingestion function skips), so each test waits for its own before the next.
   */
  let sends: Promise<unknown>[] = [];

  beforeAll(async () => {
    // Requests to 127.0.0.1 go to the network (the refused-connection case); any other request
    // msw has no handler for fails the test.
    server.listen({
      onUnhandledRequest: (request, print) => {
        if (new URL(request.url).hostname !== "127.0.0.1") print.error();
      },
    });
    t = await createTestDatabase("pglite");
    base = await createRunWorld(t.database.prisma);
    world = base;
  });
  afterEach(async () => {
    await Promise.allSettled(sends);
    sends = [];
    server.resetHandlers();
    await world.executor.idle();
  });
  afterAll(async () => {
    server.close();
    await world.cleanup();
    await t.destroy();
  });

  /** Points the world's runs at Inngest (at `baseUrl`), falling back to its direct executor. */
  function useInngest(baseUrl = INNGEST, timeoutMs = TIMEOUT_MS) {
    log = recordingLogger();
    const inngest = createInngestClient({ eventKey: "test", dev: false, baseUrl, sendTimeoutMs: timeoutMs, signingKey: undefined });
    const send: typeof inngest.send = (payload) => {
      const sent = inngest.send(payload);
      sends.push(sent);
      return sent;
    };
    world = base.withConfig({ runs: (executor) => createInngestLauncher({ inngest: { send }, fallback: executor, db: base.deps.db, log, timeoutMs }) });
  }

  async function ingestionWithFiles(name: string) {
    const landing = path.join(world.root, name);
    await writeFiles(landing, { "a.jsonl": jsonl([{ id: 1 }, { id: 2 }]) });
    return makeIngestion(world, { source: { uri: landing }, destination: { schema: "raw", table: name } });
  }

  const runRow = (id: string) =>
    world.deps.db.run.findUniqueOrThrow({ where: { id }, select: { status: true, method: true, eventId: true, rowsLoaded: true } });
  const warnings = () => log.lines.filter((l) => l.level === "warn").map((l) => l.message);

  /** Triggers a run, expects the direct fallback, and that the direct executor loaded the files. */
  async function expectFallback(ingestionId: string) {
    const started = performance.now();
    const trigger = await triggerRun(world.deps, world.tenant.id, ingestionId);
    const elapsed = performance.now() - started;
    expect(trigger).toEqual({ method: "direct", runId: trigger.runId });
    await world.executor.idle();
    expect(await runRow(trigger.runId)).toEqual({ status: "SUCCEEDED", method: "DIRECT", eventId: null, rowsLoaded: 2n });
    return { runId: trigger.runId, elapsed };
  }

  it("sends the event when Inngest takes it: the run is Inngest's, with the event id", async () => {
    useInngest();
    const received: unknown[] = [];
    server.use(
      http.post(EVENT_API, async ({ request }) => {
        received.push(await request.json());
        return HttpResponse.json({ ids: ["01JEVENT"], status: 200 });
      }),
    );
    const ing = await ingestionWithFiles("accepted");
    const trigger = await triggerRun(world.deps, world.tenant.id, ing.id);
    expect(trigger).toEqual({ method: "inngest", runId: trigger.runId, eventId: `run:${trigger.runId}` });
    expect(received).toEqual([
      [
        expect.objectContaining({
          name: RUN_REQUESTED,
          id: `run:${trigger.runId}`,
          data: { runId: trigger.runId, ingestionId: ing.id, tenantId: world.tenant.id },
        }),
      ],
    ]);
    // Left for Inngest to execute: the direct executor did not start it.
    await world.executor.idle();
    expect(await runRow(trigger.runId)).toEqual({ status: "QUEUED", method: "INNGEST", eventId: `run:${trigger.runId}`, rowsLoaded: 0n });
    expect(warnings()).toEqual([]);
  });

  it("runs in-process when Inngest refuses the event (401), and says so", async () => {
    useInngest();
    let attempts = 0;
    server.use(
      http.post(EVENT_API, () => {
        attempts += 1;
        return HttpResponse.json({ error: "Event key not found", status: 401 }, { status: 401 });
      }),
    );
    const ing = await ingestionWithFiles("refused");
    const { runId, elapsed } = await expectFallback(ing.id);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1000);
    // The SDK retries a refused event too (backing off from 100 ms), so within the bound the
    // launcher sees no answer rather than the 401.
    expect(warnings()).toEqual([
      `[runs] Inngest did not take run ${runId} (no answer within ${TIMEOUT_MS} ms); running it in-process instead`,
    ]);
    await Promise.allSettled(sends);
    expect(attempts).toBeGreaterThan(1);
  });

  it("with the default 3 s bound, the warning carries Inngest's reason for refusing", async () => {
    useInngest(INNGEST, 3000);
    server.use(http.post(EVENT_API, () => HttpResponse.json({ error: "Event key not found", status: 401 }, { status: 401 })));
    const ing = await ingestionWithFiles("refused_default_bound");
    const { runId } = await expectFallback(ing.id);
    expect(warnings()).toEqual([
      `[runs] Inngest did not take run ${runId} (Inngest API Error: 401 Event key not found); running it in-process instead`,
    ]);
  });

  it("runs in-process when nothing listens at Inngest's address, within the bound", async () => {
    useInngest(`http://127.0.0.1:${await freePort()}`);
    const ing = await ingestionWithFiles("refused_connection");
    const { runId, elapsed } = await expectFallback(ing.id);
    // The SDK alone retries a refused connection for about 1.75 s.
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1000);
    expect(warnings()).toEqual([
      `[runs] Inngest did not take run ${runId} (no answer within ${TIMEOUT_MS} ms); running it in-process instead`,
    ]);
  });

  it("runs in-process when Inngest does not answer, without waiting for it", async () => {
    useInngest();
    let answered = false;
    server.use(
      http.post(EVENT_API, async () => {
        await delay(10_000);
        answered = true;
        return HttpResponse.json({ ids: ["late"], status: 200 });
      }),
    );
    const ing = await ingestionWithFiles("hanging");
    const { runId, elapsed } = await expectFallback(ing.id);
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1000);
    expect(answered).toBe(false);
    expect(warnings()).toEqual([
      `[runs] Inngest did not take run ${runId} (no answer within ${TIMEOUT_MS} ms); running it in-process instead`,
    ]);
  });

  it("when Inngest starts the run before the send's answer comes back, the run stays Inngest's alone", async () => {
    useInngest();
    let took: string | null | undefined;
    server.use(
      http.post(EVENT_API, async ({ request }) => {
        // Inngest delivered the event and its function took the run; the answer to the send is
        // lost. (The SDK sends again after its own timeout: only the first delivery takes it.)
        const [event] = (await request.json()) as { data: { runId: string; ingestionId: string; tenantId: string } }[];
        if (event && took === undefined) took = await reasonToSkip(world.deps, event.data);
        await delay(10_000);
        return HttpResponse.json({ ids: ["late"], status: 200 });
      }),
    );
    const ing = await ingestionWithFiles("raced");
    const result = await triggerRun(world.deps, world.tenant.id, ing.id);
    expect(took).toBeNull();
    expect(result).toEqual({ method: "inngest", runId: result.runId, eventId: `run:${result.runId}` });
    await world.executor.idle();
    // Not executed in-process: it is RUNNING on Inngest, no file claimed by a second executor.
    expect(await world.deps.db.run.findUniqueOrThrow({ where: { id: result.runId } })).toMatchObject({
      status: "RUNNING",
      method: "INNGEST",
      filesLoaded: 0,
    });
    expect(await world.deps.db.processedFile.count({ where: { ingestionId: ing.id } })).toBe(0);
    expect(warnings()).toEqual([]);
    // Leave the ingestion free for the next test.
    await failRun(world.deps, result.runId, "test over");
  });

  it("of concurrent triggers of one ingestion, one run goes to Inngest and the others get CONFLICT", async () => {
    useInngest();
    const events: { data: { ingestionId: string } }[] = [];
    server.use(
      http.post(EVENT_API, async ({ request }) => {
        events.push(...((await request.json()) as { data: { ingestionId: string } }[]));
        return HttpResponse.json({ ids: [`01JEVENT${events.length}`], status: 200 });
      }),
    );
    const ing = await ingestionWithFiles("concurrent");
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => triggerRun(world.deps, world.tenant.id, ing.id)));
    const accepted = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toEqual({ method: "inngest", runId: accepted[0]!.runId, eventId: `run:${accepted[0]!.runId}` });
    expect(refused).toHaveLength(4);
    for (const error of refused) {
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("already has an active run") });
    }
    expect(await world.deps.db.run.findMany({ where: { ingestionId: ing.id }, select: { id: true, method: true } })).toEqual([
      { id: accepted[0]!.runId, method: "INNGEST" },
    ]);
    expect(events.map((e) => e.data.ingestionId)).toEqual([ing.id]);
  });
});

// The app starts with Inngest configured but unreachable (a dev server URL where nothing
// listens): health says so without failing, runs triggered through the API fall back to this
// process and finish, and /api/inngest still answers. Without Inngest the endpoint answers 404.
const SEND_TIMEOUT_MS = 500;

describe("the app with Inngest unreachable", () => {
  let dir: TempDir;
  let runtime: Runtime;
  let log: RecordingLogger;
  let inngestUrl: string;

  beforeAll(async () => {
    dir = await makeTempDir("inngest-down");
    inngestUrl = `http://127.0.0.1:${await freePort()}`;
    log = recordingLogger();
    runtime = await openRuntime(
      loadConfig({
        AUTOLOADER_DATA_DIR: dir.path,
        AUTOLOADER_LOCAL_ROOTS: path.join(dir.path, "files"),
        INNGEST_DEV: "1",
        // Dev mode serves /api/inngest on a loopback HOST only.
        HOST: "127.0.0.1",
        INNGEST_BASE_URL: inngestUrl,
        AUTOLOADER_INNGEST_SEND_TIMEOUT_MS: String(SEND_TIMEOUT_MS),
      }),
      log,
    );
  });
  afterAll(async () => {
    await runtime?.executor.idle();
    await runtime?.close();
    await dir.remove();
  });

  it("starts, and health reports Inngest disconnected without being an error", async () => {
    expect(runtime.inngest).not.toBeNull();
    expect(log.lines).toContainEqual({ level: "info", message: `[orchestrator] Inngest dev server at ${inngestUrl}` });
    const health = await checkHealth(runtime);
    expect(health).toMatchObject({ status: "ok", inngest: "disconnected", scheduler: "inngest", database: { status: "ok" } });
  });

  it("runs a triggered run in this process: the API answers { method: 'direct' } and the run succeeds", async () => {
    const key = (await readFile(path.join(dir.path, "admin-key"), "utf8")).trim();
    const auth = await authenticateApiKey(runtime.deps, key);
    expect(auth).toMatchObject({ role: "ADMIN" });
    const { caller } = callerAs(runtime.deps, auth);
    const root = runtime.config.localRoots[0]!;
    const ing = await caller.ingestions.create(ingestionDraft(root, "orders"));
    await writeFiles(path.join(root, "orders"), { "a.jsonl": jsonl([{ id: 1 }, { id: 2 }, { id: 3 }]) });

    const started = performance.now();
    const trigger = await caller.runs.trigger({ ingestionId: ing.id });
    expect(trigger).toEqual({ method: "direct", runId: trigger.runId });
    expect(performance.now() - started).toBeLessThan(SEND_TIMEOUT_MS + 1000);

    await runtime.executor.idle();
    const { run } = await caller.runs.get({ id: trigger.runId });
    expect(run).toMatchObject({
      id: trigger.runId,
      status: "SUCCEEDED",
      method: "DIRECT",
      eventId: null,
      metrics: { filesLoaded: 1, rowsLoaded: 3 },
    });
    expect(log.lines.filter((l) => l.level === "warn").map((l) => l.message)).toContainEqual(
      `[runs] Inngest did not take run ${trigger.runId} (no answer within ${SEND_TIMEOUT_MS} ms); running it in-process instead`,
    );
  });

  it("serves /api/inngest: GET describes the app, PUT (sync) says registering failed", async () => {
    const route = createInngestRoute(async () => runtime);
    const response = await route.GET(new NextRequest("http://localhost:3000/api/inngest"), {});
    expect(response.status).toBe(200);
    // Three: scheduler-tick, run-ingestion, and run-ingestion's onFailure (its own Inngest function).
    expect(await response.json()).toMatchObject({ function_count: 3, mode: "dev", has_signing_key: false });
    const sync = await route.PUT(new NextRequest("http://localhost:3000/api/inngest", { method: "PUT" }), {});
    expect(sync.status).toBe(500);
    expect(await sync.json()).toEqual({ message: "Failed to register; fetch failed", modified: false });
  });

  it("without Inngest, /api/inngest answers 404 saying it is not configured", async () => {
    const route = createInngestRoute(async () => ({ inngest: null, deps: runtime.deps, config: runtime.config }));
    for (const method of ["GET", "POST", "PUT"] as const) {
      const response = await route[method](new NextRequest("http://localhost:3000/api/inngest", { method }), {});
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: INNGEST_NOT_CONFIGURED });
    }
  });
});
