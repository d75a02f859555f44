// A run renews its claims between batches only when they come near expiry: a backfill holding
// tens of thousands of files must not rewrite every one of them after every batch.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runToEnd } from "@/test/run-inspection";
import { createTestDatabase, describeEachDatabase, type TestDatabase, createRunWorld, type RunWorld, testClock, type TestClock } from "@/test/world";
import { makeIngestion } from "@/test/run-fixtures";
import { claimFiles, registerFiles, renewLeases } from "./file-state";

const MINUTE = 60_000;

describeEachDatabase("lease renewal", (kind) => {
  let t: TestDatabase;
  let clock: TestClock;
  let world: RunWorld;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    clock = testClock(new Date());
    world = await createRunWorld(t.database.prisma, { clock });
  });
  afterAll(async () => {
    await world.cleanup();
    await t.destroy();
  });

  it("renews the run's held claims that expire before the threshold, and leaves the others, loaded files and other runs' claims alone", async () => {
    const db = world.deps.db;
    const ing = await makeIngestion(world);
    const names = ["soon", "far", "done", "theirs"];
    await registerFiles(
      db,
      ing.id,
      names.map((n, i) => ({ path: `${n}.jsonl`, size: 10, lastModified: new Date(Date.UTC(2026, 0, 1, 0, 0, i)), etag: null })),
    );
    const run = await db.run.create({ data: { ingestionId: ing.id, status: "FAILED", trigger: "MANUAL" }, select: { id: true } });
    const other = await db.run.create({ data: { ingestionId: ing.id, status: "FAILED", trigger: "MANUAL" }, select: { id: true } });
    await claimFiles(db, { ingestionId: ing.id, runId: run.id, now: clock.now, leaseMs: 10 * MINUTE, maxRetries: 3, maxFiles: null, maxBytes: null });
    const at = (minutes: number) => new Date(clock.now.getTime() + minutes * MINUTE);
    const set = (path: string, data: { leaseExpiresAt: Date | null; status?: "SUCCESS"; runId?: string }) =>
      db.processedFile.updateMany({ where: { ingestionId: ing.id, path }, data });
    await set("soon.jsonl", { leaseExpiresAt: at(2) });
    await set("far.jsonl", { leaseExpiresAt: at(9) });
    await set("done.jsonl", { leaseExpiresAt: null, status: "SUCCESS" });
    await set("theirs.jsonl", { leaseExpiresAt: at(1), runId: other.id });

    const renewed = await renewLeases(db, run.id, { until: at(10), renewBefore: at(5) });

    expect(renewed).toBe(1);
    const files = await db.processedFile.findMany({ where: { ingestionId: ing.id }, orderBy: { path: "asc" }, select: { path: true, leaseExpiresAt: true } });
    expect(files).toEqual([
      { path: "done.jsonl", leaseExpiresAt: null },
      { path: "far.jsonl", leaseExpiresAt: at(9) },
      { path: "soon.jsonl", leaseExpiresAt: at(10) },
      { path: "theirs.jsonl", leaseExpiresAt: at(1) },
    ]);
  });

  it("a run of several batches leaves its held claims as it took them while they have over half their lease to run", async () => {
    const dir = path.join(world.root, "landing-leases");
    await mkdir(dir, { recursive: true });
    for (let i = 0; i < 8; i++) await writeFile(path.join(dir, `f${i}.jsonl`), `{"i":${i}}\n`);
    // The files still held after each batch's loaded files are marked, a minute of the clock later each time.
    const held: (Date | null)[][] = [];
    const w = world.withConfig({
      settings: { batchMaxFiles: 2, leaseMs: 60 * MINUTE },
      hooks: {
        afterLoadedFilesMarked: async (files) => {
          const runId = (await world.deps.db.processedFile.findFirstOrThrow({ where: { id: files[0]?.id }, select: { runId: true } })).runId;
          const rows = await world.deps.db.processedFile.findMany({ where: { runId, status: "PROCESSING" }, select: { leaseExpiresAt: true } });
          held.push(rows.map((r) => r.leaseExpiresAt));
          clock.advance(MINUTE);
        },
      },
    });
    const claimedAt = clock.now.getTime();
    const ing = await makeIngestion(w, { source: { uri: dir } });
    const run = await runToEnd(w, ing.id);
    expect(run.status).toBe("SUCCEEDED");
    expect(run.filesLoaded).toBe(8);
    const claimedUntil = new Date(claimedAt + 60 * MINUTE);
    // Renewing after batch 2 would have moved the last batch's a minute on (the clock moved by then): nothing was rewritten.
    const all = (n: number) => Array.from({ length: n }, () => claimedUntil);
    expect(held).toEqual([all(6), all(4), all(2), []]);
  });
});
