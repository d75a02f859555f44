// Edges of maintenance found in review: a dead guard, a retry of forgotten files, a table without
// lineage, and a pending file rewritten empty.
import { describe, expect, it } from "vitest";
import { rejectionOf } from "@/test/api-callers";
import { feed, snapshot, useMaintenanceWorld } from "@/test/maintenance-fixtures";
import { jsonl } from "@/test/run-fixtures";
import { fileStates } from "@/test/run-inspection";

const rows = (prefix: string, count: number) => jsonl(Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, v: i })));

describe("maintenance edges [pglite]", () => {
  const suite = useMaintenanceWorld();

  it("a guard left by a dead process is released, not failed: maintenance and runs go on, no FAILED run appears", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    const old = new Date(Date.now() - w.deps.engine.settings.staleRunMs - 60_000);
    const dead = await w.db.run.create({
      data: {
        ingestionId: f.ing.id,
        activeIngestionId: f.ing.id,
        status: "QUEUED",
        trigger: "REFRESH",
        currentStep: "maintenance: a refresh",
        queuedAt: old,
        updatedAt: old,
      },
    });
    const cleared = await w.api.files.clear({ ingestionId: f.ing.id, confirm: true });
    expect(cleared).toMatchObject({ filesForgotten: 0 });
    expect(await w.db.run.findUnique({ where: { id: dead.id } })).toBeNull();
    const { runId } = await w.api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();
    expect(await w.db.run.findMany({ where: { ingestionId: f.ing.id }, select: { id: true, status: true } })).toEqual([
      { id: runId, status: "SUCCEEDED" },
    ]);
    expect((await w.api.ingestions.get({ id: f.ing.id })).lastRunStatus).toBe("SUCCEEDED");
  });

  it("retrying a run whose files a FULL refresh forgot is refused, not turned into a full run", async () => {
    const w = suite.world;
    const f = await feed(w, { "ok.jsonl": rows("ok", 1), "bad.jsonl": "{not json\n" });
    const { runId } = await w.api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();
    expect((await w.db.run.findUniqueOrThrow({ where: { id: runId } })).status).toBe("PARTIAL");
    await w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", confirm: true });
    const refused = await rejectionOf(w.api.runs.retry({ id: runId }));
    expect([refused.code, refused.message]).toEqual([
      "BAD_REQUEST",
      `Nothing to retry: every file of run ${runId} has loaded since, or was skipped or forgotten by a refresh or clear`,
    ]);
    expect(await w.db.run.count({ where: { ingestionId: f.ing.id, trigger: "RETRY" } })).toBe(0);
  });

  it("reprocess on a table that lost its _source_file column is refused before anything changes", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 1) });
    await w.api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();
    await w.deps.engine.warehouse.withConnection(w.tenant.slug, (c) => c.run(`ALTER TABLE ${f.table} DROP COLUMN _source_file`));
    const before = await snapshot(w, f);
    const refused = await rejectionOf(w.api.files.reprocess({ ingestionId: f.ing.id, filter: { search: "a.jsonl" } }));
    expect([refused.code, refused.message]).toEqual([
      "PRECONDITION_FAILED",
      `Table ${f.table} has no _source_file column, so the rows of single files cannot be removed; refresh the ingestion instead`,
    ]);
    const cleared = await rejectionOf(w.api.files.clear({ ingestionId: f.ing.id, confirm: true }));
    expect(cleared.code).toBe("PRECONDITION_FAILED");
    expect(await snapshot(w, f)).toEqual(before);
  });

  it("a pending file rewritten empty is skipped when the next run lists it, as a new empty file is", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    await w.api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();
    const [file] = (await w.api.files.list({ ingestionId: f.ing.id })).items;
    await w.api.files.reprocess({ ingestionId: f.ing.id, fileIds: [file?.id ?? ""] });
    await f.add({ "a.jsonl": "" });
    const { runId } = await w.api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();
    expect(await w.db.run.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: "NO_NEW_FILES", filesLoaded: 0 });
    expect((await fileStates(w, f.ing.id))["a.jsonl"]).toMatchObject({ status: "SKIPPED", error: "Empty file (0 bytes): nothing to load" });
    expect(await f.rows()).toEqual({});
  });
});
