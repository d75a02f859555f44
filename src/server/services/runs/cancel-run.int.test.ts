// runs.cancel on real parts (PGlite and PostgreSQL, DuckDB, local files): a running multi-batch
// run stops at its next batch boundary keeping what it committed, a queued one ends at once, and
// finished runs and other tenants' runs are refused with their messages.
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DomainError } from "@/server/domain/errors";
import { DEFAULT_RUN_SETTINGS } from "@/server/runs/run-deps";
import { ensureTenant } from "@/server/services/auth/tenants";
import { createTestDatabase, describeEachDatabase, type TestDatabase, createRunWorld, type RunWorld, recordingLauncher } from "@/test/world";
import { jsonl, makeIngestion, writeFiles } from "@/test/run-fixtures";
import { cancelRun } from "./cancel-run";
import { triggerRun } from "./trigger-run";

async function domainError(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a DomainError");
}

describeEachDatabase("cancel a run", (kind) => {
  let t: TestDatabase;
  let world: RunWorld;
  /** Called once after the first batch's warehouse commit: the test's moment to cancel. */
  let afterFirstBatch: (() => Promise<void>) | null = null;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    world = await createRunWorld(t.database.prisma, {
      engine: {
        // Two files per batch: a run of ten files has five batch boundaries. The world's cleanup
        // removes the staging directory's parent, so it is a directory of this suite's own.
        settings: { ...DEFAULT_RUN_SETTINGS, stagingDir: path.join(os.tmpdir(), `autoloader-cancel-${randomBytes(6).toString("hex")}`, "staging"), batchMaxFiles: 2 },
        hooks: {
          afterWarehouseCommit: async () => {
            const f = afterFirstBatch;
            afterFirstBatch = null;
            await f?.();
          },
        },
      },
    });
  });
  afterAll(async () => {
    await world.cleanup();
    await t.destroy();
  });

  async function tenFiles(dir: string) {
    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i++) files[`f${i}.jsonl`] = jsonl([{ id: i * 2 }, { id: i * 2 + 1 }]);
    await writeFiles(path.join(world.root, dir), files);
    return makeIngestion(world, { source: { uri: path.join(world.root, dir) }, destination: { schema: "raw", table: dir } });
  }

  const countRows = (table: string) =>
    world.deps.engine.warehouse.withConnection(world.tenant.slug, async (c) => {
      const r = await c.runAndReadAll(`SELECT count(*)::INT AS n, count(DISTINCT id)::INT AS d FROM raw."${table}"`);
      return r.getRowObjectsJson()[0];
    });

  it("stops a running run at its next batch boundary: CANCELLED, committed files loaded once, the rest pending and loaded by the next run", async () => {
    const ing = await tenFiles(`cancel_running_${kind}`);
    let runId = "";
    let view: Awaited<ReturnType<typeof cancelRun>> | null = null;
    afterFirstBatch = async () => {
      view = await cancelRun(world.deps, world.tenant.id, runId);
    };
    runId = (await triggerRun(world.deps, world.tenant.id, ing.id)).runId;
    await world.executor.idle();
    expect(view).toMatchObject({ id: runId, status: "RUNNING", cancelRequestedAt: expect.any(Date) });
    const run = await t.database.prisma.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run).toMatchObject({ status: "CANCELLED", activeIngestionId: null, filesLoaded: 2, rowsLoaded: 4n, filesFailed: 0 });
    expect(run.error).toBe(
      `Cancelled on request (at ${run.cancelRequestedAt!.toISOString()}); the 2 file(s) it loaded stay loaded; 8 unfinished file(s) return to the queue`,
    );
    const files = await t.database.prisma.processedFile.findMany({ where: { ingestionId: ing.id }, orderBy: { path: "asc" } });
    expect(files.filter((f) => f.status === "SUCCESS").map((f) => f.path)).toEqual(["f0.jsonl", "f1.jsonl"]);
    expect(files.filter((f) => f.status === "PENDING").map((f) => [f.path, f.retryCount])).toEqual(
      ["f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"].map((p) => [`${p}.jsonl`, 0]),
    );
    expect(await countRows(ing.destination.table)).toEqual({ n: 4, d: 4 });
    expect((await t.database.prisma.ingestion.findUniqueOrThrow({ where: { id: ing.id } })).lastRunStatus).toBe("CANCELLED");

    // The guard is free: the next run loads the other eight, once.
    const next = (await triggerRun(world.deps, world.tenant.id, ing.id)).runId;
    await world.executor.idle();
    expect(await t.database.prisma.run.findUniqueOrThrow({ where: { id: next } })).toMatchObject({ status: "SUCCEEDED", filesLoaded: 8 });
    expect(await countRows(ing.destination.table)).toEqual({ n: 20, d: 20 });
  });

  it("ends a queued run at once as CANCELLED, freeing its ingestion", async () => {
    const ing = await tenFiles(`cancel_queued_${kind}`);
    // A launcher that never starts it: the run stays QUEUED.
    const deps = { ...world.deps, runs: recordingLauncher() };
    const { runId } = await triggerRun(deps, world.tenant.id, ing.id);
    const view = await cancelRun(deps, world.tenant.id, runId);
    expect(view).toMatchObject({ id: runId, status: "CANCELLED", error: "Cancelled on request before it started", queue: null });
    expect(await t.database.prisma.run.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ activeIngestionId: null, filesLoaded: 0 });
    expect(await t.database.prisma.processedFile.count({ where: { ingestionId: ing.id } })).toBe(0);
    // Launching it late does nothing.
    expect(await world.executor.runNow(runId)).toEqual({ status: "CANCELLED" });
    expect(await t.database.prisma.processedFile.count({ where: { ingestionId: ing.id } })).toBe(0);
  });

  it("refuses a finished run with a message, and another tenant's run as not found", async () => {
    const ing = await tenFiles(`cancel_done_${kind}`);
    const { runId } = await triggerRun(world.deps, world.tenant.id, ing.id);
    await world.executor.idle();
    expect(await domainError(cancelRun(world.deps, world.tenant.id, runId))).toEqual({
      code: "BAD_REQUEST",
      message: `Run ${runId} already finished as SUCCEEDED; only a queued or running run can be cancelled`,
    });
    const other = await ensureTenant(world.deps, `other-${Math.random().toString(36).slice(2, 8)}`);
    expect(await domainError(cancelRun(world.deps, other.id, runId))).toEqual({ code: "NOT_FOUND", message: `No run '${runId}'` });
    expect(await t.database.prisma.run.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: "SUCCEEDED", cancelRequestedAt: null });
  });
});
