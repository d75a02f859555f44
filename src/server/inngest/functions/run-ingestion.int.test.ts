// The `run-ingestion` function, run in-process by @inngest/test (a fresh engine per execution:
// reused engines leak step results) on a real run: PGlite, DuckDB and local files. The event
// each test delivers is the one the Inngest launcher sent for the run.
import path from "node:path";
import { InngestTestEngine } from "@inngest/test";
import type { EventPayload } from "inngest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createInngestClient } from "@/server/inngest/client";
import { RUN_REQUESTED } from "@/server/inngest/events";
import { createInngestLauncher } from "@/server/runs/launcher";
import { triggerRun } from "@/server/services/runs/trigger-run";
import { createTestDatabase, type TestDatabase, createRunWorld, type RunWorld, recordingLogger } from "@/test/world";
import { fileStates } from "@/test/run-inspection";
import { jsonl, makeIngestion, tableRows, writeFiles } from "@/test/run-fixtures";
import { type RunFailure } from "@/server/runs/executors/inngest";
import { createRunIngestionFunction } from "./run-ingestion";

const inngest = createInngestClient({
  eventKey: "test",
  signingKey: undefined,
  dev: false,
  baseUrl: "http://inngest.test",
  sendTimeoutMs: 500,
});

describe("run-ingestion function", () => {
  let t: TestDatabase;
  /** The world whose runs go to "Inngest"; a test may point `world` at one derived from it. */
  let onInngest: RunWorld;
  let world: RunWorld;
  /** What the launcher sent to Inngest, in order. */
  let sent: EventPayload[];
  const fn = () => createRunIngestionFunction(inngest, async () => world.deps);
  const execute = (event: EventPayload) => new InngestTestEngine({ function: fn(), events: [event] }).execute();
  const stepIds = (ctx: { step: { run: { mock: { calls: unknown[][] } } } }) => ctx.step.run.mock.calls.map((c) => c[0]);

  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    const base = await createRunWorld(t.database.prisma);
    // The real launcher, with an Inngest that accepts every event and keeps it for the test.
    onInngest = base.withConfig({
      runs: (executor) =>
        createInngestLauncher({
          inngest: {
            async send(payload) {
              sent.push(...(Array.isArray(payload) ? payload : [payload]));
              return { ids: ["01JINNGESTEVENT"] };
            },
          },
          fallback: executor,
          db: base.deps.db,
          log: recordingLogger(),
          timeoutMs: 500,
        }),
    });
    world = onInngest;
  });
  afterAll(async () => {
    await world.cleanup();
    await t.destroy();
  });
  beforeEach(() => {
    sent = [];
  });

  /** An ingestion over `<root>/<name>` with `files`, and a run of it triggered on "Inngest". */
  async function queuedRun(name: string, files: Record<string, string>) {
    const landing = path.join(world.root, name);
    await writeFiles(landing, files);
    const ing = await makeIngestion(world, { source: { uri: landing }, destination: { schema: "raw", table: name } });
    const trigger = await triggerRun(world.deps, world.tenant.id, ing.id);
    expect(trigger).toEqual({ method: "inngest", runId: trigger.runId, eventId: `run:${trigger.runId}` });
    expect(sent).toHaveLength(1);
    return { ing, landing, runId: trigger.runId, event: sent[0]! };
  }

  it("is triggered by autoloader/run.requested, one run per ingestion at a time, with retries and onFailure", () => {
    const { opts } = fn();
    expect(opts.id).toBe("run-ingestion");
    expect(opts.triggers?.map((tr) => tr.event)).toEqual([RUN_REQUESTED]);
    expect(opts.singleton).toEqual({ key: "event.data.ingestionId", mode: "skip" });
    expect(opts.retries).toBe(3);
    expect(opts.onFailure).toBeTypeOf("function");
    // Steps in progress, in all and per tenant (the defaults of AUTOLOADER_MAX_CONCURRENT_RUNS[_PER_TENANT]).
    expect(opts.concurrency).toEqual([{ limit: 4 }, { key: "event.data.tenantId", limit: 2 }]);
  });

  it("skips a run that finds no free slot, leaving it waiting; the run that frees the slot sends its start event", async () => {
    world = onInngest.withConfig({ config: { runLimits: { maxConcurrentRuns: 1, maxConcurrentRunsPerTenant: 1 } } });
    try {
      const holder = await queuedRun("slot_holder", { "a.jsonl": jsonl([{ id: 1 }]) });
      const taken = await execute(holder.event);
      expect(taken.result).toMatchObject({ runId: holder.runId, status: "SUCCEEDED" });
      sent = [];
      const waiter = await queuedRun("slot_waiter", { "a.jsonl": jsonl([{ id: 2 }]) });
      // Now hold the only slot with a running run, and deliver the waiter's event.
      await world.deps.db.run.update({ where: { id: holder.runId }, data: { status: "RUNNING", activeIngestionId: holder.ing.id } });
      const skipped = await execute(waiter.event);
      expect(skipped.result).toEqual({ runId: waiter.runId, skipped: `run ${waiter.runId} is waiting for a slot; it starts when one frees` });
      expect(await world.deps.db.run.findUniqueOrThrow({ where: { id: waiter.runId } })).toMatchObject({
        status: "QUEUED",
        currentStep: "waiting for a slot",
      });
      // The holder ends; its end starts the waiter: promoted to RUNNING and sent again under a new id.
      sent = [];
      await world.deps.db.run.update({ where: { id: holder.runId }, data: { status: "SUCCEEDED", activeIngestionId: null } });
      const { startWaitingRuns } = await import("@/server/runs/run-slots");
      expect(await startWaitingRuns(world.deps)).toEqual([waiter.runId]);
      expect(sent.map((e) => e.id)).toEqual([`run:${waiter.runId}:slot`]);
      const started = await execute(sent[0]!);
      expect(started.result).toMatchObject({ runId: waiter.runId, status: "SUCCEEDED" });
    } finally {
      world = onInngest;
    }
  });

  it("stops at the batch step after a cancel: CANCELLED, the committed batch kept, the rest pending", async () => {
    world = onInngest.withConfig({ settings: { batchMaxFiles: 1 } });
    try {
      const { ing, runId, event } = await queuedRun("cancelled_on_inngest", {
        "a.jsonl": jsonl([{ id: 1 }]),
        "b.jsonl": jsonl([{ id: 2 }]),
        "c.jsonl": jsonl([{ id: 3 }]),
      });
      // The first commit cancels the run; later ones go on as without the hook.
      let cancelled = false;
      const batched = world;
      world = batched.withConfig({
        hooks: {
          afterWarehouseCommit: async () => {
            if (cancelled) return;
            cancelled = true;
            const { cancelRun } = await import("@/server/services/runs/cancel-run");
            await cancelRun(batched.deps, world.tenant.id, runId);
          },
        },
      });
      const { result, ctx } = await execute(event);
      expect(result).toMatchObject({ runId, status: "CANCELLED" });
      expect(stepIds(ctx)).toEqual(["check-run", "start", "reconcile", "discover", "claim", "load-batch-1", "load-batch-2", "finish", "start-waiting-runs"]);
      const files = await world.deps.db.processedFile.findMany({ where: { ingestionId: ing.id }, orderBy: { path: "asc" } });
      expect(files.map((f) => [f.path, f.status, f.retryCount])).toEqual([
        ["a.jsonl", "SUCCESS", 0],
        ["b.jsonl", "PENDING", 0],
        ["c.jsonl", "PENDING", 0],
      ]);
      expect(await tableRows(world.deps.engine.warehouse, world.tenant.slug, "raw.cancelled_on_inngest", "id")).toMatchObject([{ id: "1" }]);
    } finally {
      world = onInngest;
    }
  });

  it("executes the run as steps: SUCCEEDED, rows in the warehouse, one step per phase and per batch", async () => {
    const { ing, landing, runId, event } = await queuedRun("orders", {
      "a.jsonl": jsonl([{ id: 1 }, { id: 2 }]),
      "b.jsonl": jsonl([{ id: 3 }]),
      "c.jsonl": jsonl([{ id: 4 }]),
    });
    expect(event).toMatchObject({ name: RUN_REQUESTED, id: `run:${runId}`, data: { runId, ingestionId: ing.id, tenantId: world.tenant.id } });
    expect(await world.deps.db.run.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({
      status: "QUEUED",
      method: "INNGEST",
      eventId: `run:${runId}`,
    });

    world = onInngest.withConfig({ settings: { batchMaxFiles: 2 } });
    try {
      const { result, error, ctx } = await execute(event);
      expect(error).toBeUndefined();
      expect(result).toEqual({ runId, status: "SUCCEEDED" });
      expect(stepIds(ctx)).toEqual([
        "check-run",
        "start",
        "reconcile",
        "discover",
        "claim",
        "load-batch-1",
        "load-batch-2",
        "finish",
        "start-waiting-runs",
      ]);
    } finally {
      world = onInngest;
    }
    expect(await world.deps.db.run.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({
      status: "SUCCEEDED",
      method: "INNGEST",
      filesDiscovered: 3,
      filesLoaded: 3,
      filesFailed: 0,
      rowsLoaded: 4n,
      activeIngestionId: null,
      currentStep: null,
      error: null,
    });
    expect(await tableRows(world.deps.engine.warehouse, world.tenant.slug, "raw.orders", "id")).toEqual([
      { id: "1", _source_file: `${landing}/a.jsonl` },
      { id: "2", _source_file: `${landing}/a.jsonl` },
      { id: "3", _source_file: `${landing}/b.jsonl` },
      { id: "4", _source_file: `${landing}/c.jsonl` },
    ]);

    // The same event delivered late (or again) finds the run finished and leaves everything as it is.
    const before = await world.deps.db.run.findUniqueOrThrow({ where: { id: runId } });
    const late = await execute(event);
    expect(late.error).toBeUndefined();
    expect(late.result).toEqual({ runId, skipped: `run ${runId} already finished as SUCCEEDED` });
    expect(stepIds(late.ctx)).toEqual(["check-run"]);
    expect(await world.deps.db.run.findUniqueOrThrow({ where: { id: runId } })).toEqual(before);
    expect(await tableRows(world.deps.engine.warehouse, world.tenant.slug, "raw.orders", "id")).toHaveLength(4);
  });

  it("skips an event for a run the direct executor owns (the send fell back), without touching it", async () => {
    const landing = path.join(world.root, "fallback");
    await writeFiles(landing, { "a.jsonl": jsonl([{ id: 1 }]) });
    const ing = await makeIngestion(world, { source: { uri: landing }, destination: { schema: "raw", table: "fallback" } });
    // As the launcher leaves it after a failed send, before the direct executor has begun.
    const run = await world.deps.db.run.create({
      data: { ingestionId: ing.id, activeIngestionId: ing.id, status: "QUEUED", trigger: "MANUAL", method: "DIRECT" },
    });
    const { result, error, ctx } = await execute({
      name: RUN_REQUESTED,
      id: `run:${run.id}`,
      data: { runId: run.id, ingestionId: ing.id, tenantId: world.tenant.id },
    });
    expect(error).toBeUndefined();
    expect(result).toEqual({
      runId: run.id,
      skipped: `run ${run.id} is executed in-process: the trigger fell back to the direct executor`,
    });
    expect(stepIds(ctx)).toEqual(["check-run"]);
    expect(await world.deps.db.run.findUniqueOrThrow({ where: { id: run.id } })).toEqual(run);
    expect(await world.deps.db.processedFile.count({ where: { ingestionId: ing.id } })).toBe(0);
  });

  it("refuses an event without a run id, naming the field, before any step", async () => {
    const { error, ctx } = await execute({ name: RUN_REQUESTED, data: { ingestionId: "ing-1", tenantId: "tenant-1" } });
    expect(error).toMatchObject({
      name: "EventValidationError",
      message: "runId: runId is required: the id of the run to execute",
    });
    expect(stepIds(ctx)).toEqual([]);
  });

  it("onFailure (which @inngest/test never runs) ends the run from its files, the error first in its message, and frees the ingestion", async () => {
    const { ing, runId, event } = await queuedRun("broken", {
      "a.jsonl": jsonl([{ id: 1 }]),
      "b.jsonl": jsonl([{ id: 2 }]),
    });
    // The load step fails; @inngest/test does not retry, so the run is left as Inngest leaves it
    // after the last attempt: RUNNING with its files claimed.
    world = onInngest.withConfig({
      hooks: {
        afterWarehouseCommit: () => {
          throw new Error("IO Error: No space left on device\nLINE 1: INSERT INTO ...");
        },
      },
    });
    let stepError: unknown;
    try {
      const { error, ctx } = await execute(event);
      stepError = error;
      expect(error).toMatchObject({ message: "IO Error: No space left on device\nLINE 1: INSERT INTO ..." });
      expect(stepIds(ctx)).toEqual(["check-run", "start", "reconcile", "discover", "claim", "load-batch-1"]);
    } finally {
      world = onInngest;
    }
    expect(await world.deps.db.run.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({
      status: "RUNNING",
      currentStep: "load-batch-1",
      activeIngestionId: ing.id,
    });
    expect(Object.values(await fileStates(world, ing.id)).map((f) => [f.status, f.runId])).toEqual([
      ["PROCESSING", runId],
      ["PROCESSING", runId],
    ]);

    // What Inngest calls after the last retry: `inngest/function.failed` carrying the original event.
    const failure: RunFailure = { event: { data: { event } }, error: stepError };
    const onFailure = fn().opts.onFailure as (failure: RunFailure) => Promise<unknown>;
    expect(await onFailure(failure)).toEqual({ runId, error: "IO Error: No space left on device" });

    // The error came after the warehouse commit: both files are in the ledger, so the run loaded them.
    expect(await world.deps.db.run.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({
      status: "SUCCEEDED",
      error: "IO Error: No space left on device; 2 file(s) it had loaded were recorded from the warehouse ledger",
      filesLoaded: 2,
      activeIngestionId: null,
      currentStep: null,
      finishedAt: expect.any(Date),
    });
    expect(Object.values(await fileStates(world, ing.id)).map((f) => f.status)).toEqual(["SUCCESS", "SUCCESS"]);
    expect(await world.deps.db.ingestion.findUniqueOrThrow({ where: { id: ing.id }, select: { lastRunStatus: true } })).toEqual({
      lastRunStatus: "SUCCEEDED",
    });
    // The ingestion is free again: the next trigger starts a run.
    sent = [];
    expect((await triggerRun(world.deps, world.tenant.id, ing.id)).method).toBe("inngest");
  });

  it("onFailure refuses a failure event that does not carry a run.requested payload", async () => {
    const onFailure = fn().opts.onFailure as (failure: RunFailure) => Promise<unknown>;
    await expect(onFailure({ event: { data: { event: { data: { ingestionId: "x" } } } }, error: new Error("boom") })).rejects.toThrow(
      "runId is required: the id of the run to execute",
    );
  });
});
