// The app starts with Inngest configured but unreachable (a dev server URL where nothing
// listens): health says so without failing, runs triggered through the API fall back to this
// process and finish, and /api/inngest still answers. Without Inngest the endpoint answers 404.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "@/env";
import { openRuntime, type Runtime } from "@/server/runtime";
import { authenticateApiKey } from "@/server/services/auth/authenticate-api-key";
import { checkHealth } from "@/server/services/health";
import { callerAs } from "@/test/api-callers";
import { ingestionDraft } from "@/test/ingestion-fixtures";
import { writeFiles, jsonl } from "@/test/run-fixtures";
import { recordingLogger, type RecordingLogger } from "@/test/service-deps";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";
import { createInngestRoute, INNGEST_NOT_CONFIGURED } from ".";
import { freePort } from "@/test/ports";

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
