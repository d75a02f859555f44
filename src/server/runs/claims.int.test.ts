// Claims and the one-active-run guard under concurrency, on PGlite and on PostgreSQL. On
// PostgreSQL the racers use separate connections (as separate processes would).
import { afterAll, beforeAll, expect, it } from "vitest";
import { DomainError } from "@/server/domain/errors";
import { openDatabase, type Db } from "@/server/db/database";
import type { ServiceDeps } from "@/server/deps";
import { triggerRun } from "@/server/services/runs/trigger-run";
import type { SourceObject } from "@/server/sources/source";
import { createTestDatabase, describeEachDatabase, type TestDatabase, createRunWorld, type RunWorld, testClock, type TestClock, recordingLogger } from "@/test/world";
import { makeIngestion } from "@/test/run-fixtures";
import { requeuedByListing } from "@/server/domain/file-retry";
import { claimFiles, registerFiles, REFRESH_STATISTICS_FROM_FILES } from "./file-state";
import { claimForRun } from "./steps/claim";

const MINUTE = 60_000;

describeEachDatabase("claims and the active-run guard", (kind) => {
  let t: TestDatabase;
  /** A second connection pool on PostgreSQL; PGlite has only one connection. */
  let other: { prisma: Db; close(): Promise<void> } | null = null;
  let clock: TestClock;
  let world: RunWorld;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    if (kind === "postgres" && t.url) other = await openDatabase({ kind: "postgres", url: t.url });
    // Near the real time: Prisma stamps rows' updatedAt with it on create.
    clock = testClock(new Date());
    world = await createRunWorld(t.database.prisma, { clock });
  });
  afterAll(async () => {
    await world.cleanup();
    await other?.close();
    await t.destroy();
  });

  const secondDb = (): Db => other?.prisma ?? t.database.prisma;
  /** Deps whose launcher only records run ids, so runs stay QUEUED while a test looks at them. */
  const holdingDeps = (db: Db, started: string[] = []): ServiceDeps => ({
    ...world.deps,
    db,
    runs: { kind: "direct", launch: async ({ runId }) => (started.push(runId), { method: "direct" }) },
  });

  const objects = (count: number, prefix = "f", start = new Date("2026-01-01T00:00:00Z")): SourceObject[] =>
    Array.from({ length: count }, (_, i) => ({
      path: `${prefix}/${String(i).padStart(5, "0")}.jsonl`,
      size: i % 500 === 0 ? 0 : 100 + i,
      lastModified: new Date(start.getTime() + i * 1000),
      etag: `e${i}`,
    }));

  async function runRow(ingestionId: string) {
    return world.deps.db.run.create({ data: { ingestionId, status: "FAILED", trigger: "MANUAL" }, select: { id: true } });
  }

  it("a claim of many files gives the planner the file table's size (PGlite never samples it by itself)", async () => {
    const ing = await makeIngestion(world);
    const count = REFRESH_STATISTICS_FROM_FILES + 200;
    await registerFiles(world.deps.db, ing.id, objects(count, "stats").map((o) => ({ ...o, size: 100 })));
    const run = await world.deps.db.run.create({ data: { ingestionId: ing.id, status: "RUNNING", trigger: "MANUAL" }, select: { id: true } });
    const claimed = await claimForRun(world.deps, { runId: run.id, ingestionId: ing.id, tenantKey: "t" });
    expect(claimed.claimed).toBe(count);
    // ANALYZE sets the row count the planner assumes (-1 or 0 before: never sampled, or sampled empty).
    const [rel] = await world.deps.db.$queryRaw<{ n: number }[]>`SELECT reltuples::float8 AS n FROM pg_class WHERE relname = 'ProcessedFile'`;
    expect(rel?.n).toBeGreaterThanOrEqual(count);
  });

  it("a claim whose statistics refresh fails keeps its files and says so", async () => {
    const ing = await makeIngestion(world);
    const count = REFRESH_STATISTICS_FROM_FILES;
    await registerFiles(world.deps.db, ing.id, objects(count, "stats-fail").map((o) => ({ ...o, size: 100 })));
    const run = await world.deps.db.run.create({ data: { ingestionId: ing.id, status: "RUNNING", trigger: "MANUAL" }, select: { id: true } });
    const db = world.deps.db;
    const refusing = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop === "$executeRawUnsafe") {
          return async (sql: string, ...args: unknown[]) => {
            if (sql.startsWith("ANALYZE")) throw new Error("canceling statement due to lock timeout");
            return db.$executeRawUnsafe(sql, ...args);
          };
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const log = recordingLogger();
    const claimed = await claimForRun({ ...world.deps, db: refusing, log }, { runId: run.id, ingestionId: ing.id, tenantKey: "t" });
    expect(claimed.claimed).toBe(count);
    expect(await world.deps.db.processedFile.count({ where: { ingestionId: ing.id, runId: run.id, status: "PROCESSING" } })).toBe(count);
    expect(log.lines.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([`[run ${run.id}] could not refresh the file tables' statistics: canceling statement due to lock timeout`]);
    // It holds no slot for the tests after it.
    await world.deps.db.run.update({ where: { id: run.id }, data: { status: "FAILED" } });
  });

  it("two racing claimers with different runs claim disjoint sets whose union is every claimable file (rounds of 200)", async () => {
    const ing = await makeIngestion(world);
    const files = Array.from({ length: 200 }, (_, i) => ({
      path: `race/${String(i).padStart(3, "0")}.jsonl`,
      size: 10,
      lastModified: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      etag: null,
    }));
    await registerFiles(world.deps.db, ing.id, files);
    const [a, b, old] = [await runRow(ing.id), await runRow(ing.id), await runRow(ing.id)];
    const all = await world.deps.db.processedFile.findMany({ where: { ingestionId: ing.id }, select: { id: true, path: true } });
    const idOf = new Map(all.map((f) => [f.path, f.id]));
    const ids = (paths: string[]) => paths.map((p) => idOf.get(p) as string);
    // Not claimable: loaded, failed too often, or under a live lease. Claimable: new, retryable, expired lease.
    const loaded = ids(files.slice(0, 10).map((f) => f.path));
    const exhausted = ids(files.slice(10, 20).map((f) => f.path));
    const live = ids(files.slice(20, 30).map((f) => f.path));
    const retryable = ids(files.slice(30, 40).map((f) => f.path));
    const expired = ids(files.slice(40, 50).map((f) => f.path));
    const claimable = new Set(ids(files.slice(30).map((f) => f.path)));

    // PGlite serialises its one connection, so only PostgreSQL races for real: it gets the rounds.
    const rounds = kind === "postgres" ? 20 : 5;
    for (let round = 0; round < rounds; round++) {
      const db = world.deps.db;
      await db.$transaction([
        db.processedFile.updateMany({ where: { ingestionId: ing.id }, data: { status: "PENDING", runId: null, leaseExpiresAt: null, retryCount: 0 } }),
        db.processedFile.updateMany({ where: { id: { in: loaded } }, data: { status: "SUCCESS" } }),
        db.processedFile.updateMany({ where: { id: { in: exhausted } }, data: { status: "FAILED", retryCount: 3 } }),
        db.processedFile.updateMany({ where: { id: { in: retryable } }, data: { status: "FAILED", retryCount: 2 } }),
        db.processedFile.updateMany({ where: { id: { in: live } }, data: { status: "PROCESSING", runId: old.id, leaseExpiresAt: new Date(clock.now.getTime() + MINUTE) } }),
        db.processedFile.updateMany({ where: { id: { in: expired } }, data: { status: "PROCESSING", runId: old.id, leaseExpiresAt: new Date(clock.now.getTime() - MINUTE) } }),
      ]);

      const args = { ingestionId: ing.id, now: clock.now, leaseMs: 10 * MINUTE, maxRetries: 3, maxFiles: null, maxBytes: null };
      const [ca, cb] = await Promise.all([claimFiles(db, { ...args, runId: a.id }), claimFiles(secondDb(), { ...args, runId: b.id })]);

      const setA = new Set(ca.map((f) => f.id));
      const setB = new Set(cb.map((f) => f.id));
      expect([...setA].filter((id) => setB.has(id)), `round ${round}: overlap`).toEqual([]);
      expect(new Set([...setA, ...setB]), `round ${round}: union`).toEqual(claimable);
      expect(ca.length + cb.length).toBe(claimable.size);
      const owners = await db.processedFile.groupBy({ by: ["runId", "status"], where: { ingestionId: ing.id }, _count: { _all: true } });
      const count = (runId: string, status: string) => owners.find((o) => o.runId === runId && o.status === status)?._count._all ?? 0;
      expect([count(a.id, "PROCESSING"), count(b.id, "PROCESSING"), count(old.id, "PROCESSING")]).toEqual([setA.size, setB.size, live.length]);
    }
  });

  it("claims oldest first within the file and byte limits and returns them in load order", async () => {
    const ing = await makeIngestion(world);
    const run = await runRow(ing.id);
    await registerFiles(world.deps.db, ing.id, [
      { path: "c.jsonl", size: 100, lastModified: new Date("2026-01-01T00:00:03Z"), etag: null },
      { path: "a.jsonl", size: 100, lastModified: new Date("2026-01-01T00:00:01Z"), etag: null },
      { path: "b2.jsonl", size: 100, lastModified: new Date("2026-01-01T00:00:02Z"), etag: null },
      { path: "b1.jsonl", size: 100, lastModified: new Date("2026-01-01T00:00:02Z"), etag: null },
    ]);
    const base = { ingestionId: ing.id, runId: run.id, now: clock.now, leaseMs: MINUTE, maxRetries: 3 };
    const byBytes = await claimFiles(world.deps.db, { ...base, maxFiles: null, maxBytes: 250 });
    expect(byBytes.map((f) => [f.path, f.size])).toEqual([
      ["a.jsonl", 100],
      ["b1.jsonl", 100],
    ]);
    const byCount = await claimFiles(world.deps.db, { ...base, maxFiles: 1, maxBytes: null });
    expect(byCount.map((f) => f.path)).toEqual(["b2.jsonl"]);
    const rest = await world.deps.db.processedFile.findFirstOrThrow({ where: { ingestionId: ing.id, path: "b2.jsonl" } });
    expect(rest).toMatchObject({ status: "PROCESSING", runId: run.id, leaseExpiresAt: new Date(clock.now.getTime() + MINUTE) });
  });

  it("claims a FAILED file only when its failure is transient (or of no recorded kind), under the limit and past its backoff; a retry of its run takes the others too", async () => {
    const ing = await makeIngestion(world);
    const names = ["data", "due", "later", "exhausted", "legacy", "pending"];
    await registerFiles(
      world.deps.db,
      ing.id,
      names.map((n, i) => ({ path: `${n}.jsonl`, size: 10, lastModified: new Date(Date.UTC(2026, 1, 1, 0, 0, i)), etag: null })),
    );
    const [old, run, retry] = [await runRow(ing.id), await runRow(ing.id), await runRow(ing.id)];
    const db = world.deps.db;
    const failed = (n: string, data: object) =>
      db.processedFile.updateMany({ where: { ingestionId: ing.id, path: `${n}.jsonl` }, data: { status: "FAILED", runId: old.id, ...data } });
    await failed("data", { failureKind: "DATA", retryCount: 1 });
    await failed("due", { failureKind: "TRANSIENT", retryCount: 2, nextAttemptAt: clock.now });
    await failed("later", { failureKind: "TRANSIENT", retryCount: 1, nextAttemptAt: new Date(clock.now.getTime() + 1) });
    await failed("exhausted", { failureKind: "TRANSIENT", retryCount: 3, nextAttemptAt: new Date(clock.now.getTime() - MINUTE) });
    // Failed before failures had kinds: retried as transient ones were.
    await failed("legacy", { failureKind: null, retryCount: 1 });

    const args = { ingestionId: ing.id, now: clock.now, leaseMs: MINUTE, maxRetries: 3, maxFiles: null, maxBytes: null };
    const claimed = await claimFiles(db, { ...args, runId: run.id });
    expect(claimed.map((f) => f.path)).toEqual(["due.jsonl", "legacy.jsonl", "pending.jsonl"]);

    // A retry of the run that failed them (the user asked): DATA failures, backoff and the limit do not hold it back.
    const retried = await claimFiles(db, { ...args, runId: retry.id, onlyFilesOfRun: old.id });
    expect(retried.map((f) => f.path)).toEqual(["data.jsonl", "later.jsonl", "exhausted.jsonl"]);
    const states = await db.processedFile.findMany({ where: { ingestionId: ing.id }, orderBy: { path: "asc" }, select: { path: true, status: true, runId: true } });
    expect(states.every((f) => f.status === "PROCESSING")).toBe(true);
    expect(Object.fromEntries(states.map((f) => [f.path, f.runId === run.id ? "run" : f.runId === retry.id ? "retry" : f.runId]))).toEqual({
      "data.jsonl": "retry",
      "due.jsonl": "run",
      "exhausted.jsonl": "retry",
      "later.jsonl": "retry",
      "legacy.jsonl": "run",
      "pending.jsonl": "run",
    });
  });

  it("registers 5,000 listed files in a few set-based statements, and a second registration adds nothing", async () => {
    const ing = await makeIngestion(world);
    const listed = objects(5_000);
    const operations: string[] = [];
    // Every statement, raw ones included, so "one per file" could not hide.
    const counted = world.deps.db.$extends({
      query: {
        $allOperations({ model, operation, args, query }) {
          operations.push(model ? `${model}.${operation}` : operation);
          return query(args);
        },
      },
    }) as unknown as Db;

    const first = await registerFiles(counted, ing.id, listed);
    expect(first).toEqual({ registered: 5_000, skipped: 10 });
    // Chunks of 2,000: one statement per chunk that joins it against the history (no known row
    // comes back to the process), never one statement per file.
    expect(operations).toEqual(["$queryRaw", "$queryRaw", "$queryRaw"]);

    operations.length = 0;
    expect(await registerFiles(counted, ing.id, listed)).toEqual({ registered: 0, skipped: 0 });
    expect(operations).toEqual(["$queryRaw", "$queryRaw", "$queryRaw"]);

    const byStatus = await world.deps.db.processedFile.groupBy({ by: ["status"], where: { ingestionId: ing.id }, _count: { _all: true }, orderBy: { status: "asc" } });
    expect(byStatus.map((s) => [s.status, s._count._all])).toEqual([
      ["PENDING", 4_990],
      ["SKIPPED", 10],
    ]);
    const skipped = await world.deps.db.processedFile.findFirstOrThrow({ where: { ingestionId: ing.id, path: "f/00500.jsonl" } });
    expect(skipped).toMatchObject({ status: "SKIPPED", size: 0n, error: "Empty file (0 bytes): nothing to load", etag: "e500" });
  });

  it("registering a listing against the history: new files, a rewritten PENDING one, requeued FAILED and MISSING ones, the rest left alone", async () => {
    const ing = await makeIngestion(world);
    const at = new Date("2026-01-01T00:00:00.000Z");
    const later = new Date("2026-01-02T00:00:00.123Z");
    const v = (p: string, size = 10, lastModified = at, etag: string | null = "e1"): SourceObject => ({ path: p, size, lastModified, etag });
    const known = ["pending", "pending-same", "failed", "failed-same", "missing", "missing-empty", "loaded"].map((p) => v(`${p}.jsonl`));
    await registerFiles(world.deps.db, ing.id, known);
    const status = (paths: string[], data: { status: "FAILED" | "MISSING" | "SUCCESS"; retryCount?: number; failureKind?: "DATA" }) =>
      world.deps.db.processedFile.updateMany({ where: { ingestionId: ing.id, path: { in: paths.map((p) => `${p}.jsonl`) } }, data });
    await status(["failed", "failed-same"], { status: "FAILED", retryCount: 3, failureKind: "DATA" });
    await status(["missing", "missing-empty"], { status: "MISSING" });
    await status(["loaded"], { status: "SUCCESS" });

    const r = await registerFiles(world.deps.db, ing.id, [
      v("new.jsonl"),
      v("new-empty.jsonl", 0),
      v("pending.jsonl", 20, later),
      v("pending-same.jsonl"),
      v("failed.jsonl", 10, at, "e2"),
      v("failed-same.jsonl"),
      v("missing.jsonl"),
      v("missing-empty.jsonl", 0),
      v("loaded.jsonl", 99, later, "e9"),
    ]);
    // Registered: the two new rows (the empty one too) and the requeued non-empty FAILED and MISSING
    // ones; skipped: the empty new one and the requeued empty one.
    expect(r).toEqual({ registered: 4, skipped: 2 });
    const rows = await world.deps.db.processedFile.findMany({
      where: { ingestionId: ing.id },
      select: { path: true, status: true, size: true, etag: true, lastModified: true, retryCount: true, failureKind: true },
      orderBy: { path: "asc" },
    });
    expect(Object.fromEntries(rows.map(({ path, ...rest }) => [path, rest]))).toEqual({
      "failed-same.jsonl": { status: "FAILED", size: 10n, etag: "e1", lastModified: at, retryCount: 3, failureKind: "DATA" },
      "failed.jsonl": { status: "PENDING", size: 10n, etag: "e2", lastModified: at, retryCount: 0, failureKind: null },
      "loaded.jsonl": { status: "SUCCESS", size: 10n, etag: "e1", lastModified: at, retryCount: 0, failureKind: null },
      "missing-empty.jsonl": { status: "SKIPPED", size: 0n, etag: "e1", lastModified: at, retryCount: 0, failureKind: null },
      "missing.jsonl": { status: "PENDING", size: 10n, etag: "e1", lastModified: at, retryCount: 0, failureKind: null },
      "new-empty.jsonl": { status: "SKIPPED", size: 0n, etag: "e1", lastModified: at, retryCount: 0, failureKind: null },
      "new.jsonl": { status: "PENDING", size: 10n, etag: "e1", lastModified: at, retryCount: 0, failureKind: null },
      "pending-same.jsonl": { status: "PENDING", size: 10n, etag: "e1", lastModified: at, retryCount: 0, failureKind: null },
      "pending.jsonl": { status: "PENDING", size: 20n, etag: "e1", lastModified: later, retryCount: 0, failureKind: null },
    });
    // The rule in TypeScript (domain/file-retry.ts) says the same of every known file as the statement did.
    const before: Record<string, "PENDING" | "FAILED" | "MISSING" | "SUCCESS"> = {
      pending: "PENDING", "pending-same": "PENDING", failed: "FAILED", "failed-same": "FAILED", missing: "MISSING", "missing-empty": "MISSING", loaded: "SUCCESS",
    };
    const listedAgain = { pending: v("pending.jsonl", 20, later), "pending-same": v("pending-same.jsonl"), failed: v("failed.jsonl", 10, at, "e2"), "failed-same": v("failed-same.jsonl"), missing: v("missing.jsonl"), "missing-empty": v("missing-empty.jsonl", 0), loaded: v("loaded.jsonl", 99, later, "e9") };
    const after = Object.fromEntries(rows.map((row) => [row.path.replace(/\.jsonl$/, ""), row.status]));
    for (const [name, status] of Object.entries(before)) {
      const requeued = requeuedByListing({ ...v(`${name}.jsonl`), status }, listedAgain[name as keyof typeof listedAgain]);
      expect({ name, requeued }).toEqual({ name, requeued: status !== "PENDING" && after[name] !== status });
    }
    // And the kept counts follow the statement's inserts and updates.
    const counts = await world.deps.db.ingestionFileCount.findMany({ where: { ingestionId: ing.id, files: { not: 0 } }, select: { status: true, files: true } });
    expect(Object.fromEntries(counts.map((c) => [c.status, Number(c.files)]))).toEqual({ PENDING: 5, FAILED: 1, SKIPPED: 2, SUCCESS: 1 });
  });

  it("two concurrent registrations of overlapping listings record each file once", async () => {
    const ing = await makeIngestion(world);
    const listed = objects(1_200, "overlap");
    const [r1, r2] = await Promise.all([
      registerFiles(world.deps.db, ing.id, listed.slice(0, 800)),
      registerFiles(secondDb(), ing.id, listed.slice(400)),
    ]);
    expect(r1.registered + r2.registered).toBe(1_200);
    expect(await world.deps.db.processedFile.count({ where: { ingestionId: ing.id } })).toBe(1_200);
  });

  it("of concurrent triggers on one ingestion exactly one creates a run; the others get CONFLICT naming it", async () => {
    const ing = await makeIngestion(world, { name: "Racing orders" });
    const started: string[] = [];
    const attempts = Array.from({ length: 6 }, (_, i) =>
      triggerRun(holdingDeps(i % 2 === 0 ? world.deps.db : secondDb(), started), world.tenant.id, ing.id),
    );
    const results = await Promise.allSettled(attempts);
    const won = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const lost = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    expect(won).toHaveLength(1);
    const runId = won[0]?.runId as string;
    expect(won[0]).toEqual({ method: "direct", runId });
    expect(started).toEqual([runId]);
    expect(lost).toHaveLength(5);
    for (const error of lost) {
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({
        code: "CONFLICT",
        message: `Ingestion 'Racing orders' already has an active run ${runId} (queued); wait for it to finish`,
      });
    }
    const runs = await world.deps.db.run.findMany({ where: { ingestionId: ing.id } });
    expect(runs.map((r) => [r.id, r.status, r.activeIngestionId])).toEqual([[runId, "QUEUED", ing.id]]);

    // Once it has finished, the next trigger goes through.
    expect(await world.executor.runNow(runId)).toEqual({ status: "FAILED" });
    const next = await triggerRun(holdingDeps(world.deps.db), world.tenant.id, ing.id);
    expect(next.runId).not.toBe(runId);
  });

  it("a stale active run (no heartbeat for staleRunMs) is expired by the next trigger, with its last heartbeat in its message, and its claims return", async () => {
    const ing = await makeIngestion(world, { name: "Stale orders" });
    const first = await triggerRun(holdingDeps(world.deps.db), world.tenant.id, ing.id);
    const heartbeat = clock.now;
    await world.deps.db.run.update({ where: { id: first.runId }, data: { status: "RUNNING", startedAt: heartbeat, updatedAt: heartbeat } });
    await registerFiles(world.deps.db, ing.id, objects(3, "stale", new Date("2026-02-01T00:00:00Z")));
    await world.deps.db.processedFile.updateMany({
      where: { ingestionId: ing.id, size: { gt: 0 } },
      data: { status: "PROCESSING", runId: first.runId, leaseExpiresAt: new Date(clock.now.getTime() + 60 * MINUTE) },
    });

    // Within staleRunMs the run still blocks.
    clock.advance(world.deps.engine.settings.staleRunMs - 1_000);
    await expect(triggerRun(holdingDeps(world.deps.db), world.tenant.id, ing.id)).rejects.toMatchObject({
      code: "CONFLICT",
      message: `Ingestion 'Stale orders' already has an active run ${first.runId} (running); wait for it to finish`,
    });

    clock.advance(2_000);
    const second = await triggerRun(holdingDeps(secondDb()), world.tenant.id, ing.id);
    const stale = await world.deps.db.run.findUniqueOrThrow({ where: { id: first.runId } });
    // Nothing it held was in the warehouse: nothing loaded, so FAILED, ended at its last heartbeat.
    expect(stale).toMatchObject({
      status: "FAILED",
      activeIngestionId: null,
      error: `The run stopped after its last heartbeat at ${heartbeat.toISOString()}; 2 unfinished file(s) return to the queue`,
      finishedAt: heartbeat,
    });
    const files = await world.deps.db.processedFile.findMany({ where: { ingestionId: ing.id }, orderBy: { path: "asc" } });
    expect(files.map((f) => [f.status, f.runId, f.leaseExpiresAt])).toEqual([
      ["SKIPPED", null, null],
      ["PENDING", first.runId, null],
      ["PENDING", first.runId, null],
    ]);
    expect(await world.deps.db.run.findUniqueOrThrow({ where: { id: second.runId } })).toMatchObject({ status: "QUEUED", activeIngestionId: ing.id });
  });
});
