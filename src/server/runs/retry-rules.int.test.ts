// Which failed files later runs take again, on real parts (PGlite and PostgreSQL, DuckDB, local
// files and an S3-compatible server): a failure of the data waits for the file to change (or for
// a user's retry or reprocess), a storage failure is retried after a growing backoff up to the
// limit, and a file gone from the source is MISSING after one attempt.
import { rm } from "node:fs/promises";
import path from "node:path";
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { triggerRun } from "@/server/services/runs/trigger-run";
import { describeEachDatabase, useMaintenanceWorld, type MaintenanceWorld, testClock } from "@/test/world";
import { createS3Connection } from "@/test/connection-fixtures";
import { attemptsOf, feed } from "@/test/maintenance-fixtures";
import { jsonl, makeIngestion, tableRows } from "@/test/run-fixtures";
import { setModified } from "@/test/run-inspection";
import { S3RVER_ENV, startS3Server, type S3TestServer } from "@/test/s3-server";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const MAX_RETRIES = 3;
/** Backoff of a transient failure: 1 min after the first, 2 after the second, capped at 3. */
const BACKOFF = { retryBackoffMs: MINUTE, retryBackoffMaxMs: 3 * MINUTE };
const BROKEN = "{not json\n";
const BUCKET = "landing";

const rows = (prefix: string, count: number) => jsonl(Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, v: i })));

describeEachDatabase("which failed files later runs take again", (kind) => {
  // Near the real time: Prisma stamps some rows with it.
  const clock = testClock(new Date());
  let s3: S3TestServer;
  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket(BUCKET);
  });
  // The world is granted the test server (started just before it).
  const suite = useMaintenanceWorld({
    kind,
    clock,
    sourceEnv: S3RVER_ENV,
    s3Endpoints: () => [s3.endpoint],
    settings: { maxFileRetries: MAX_RETRIES, ...BACKOFF },
  });
  beforeAll(async () => {
    // The S3 feeds read through one connection on the test server, signing with its keys.
    await createS3Connection(suite.world.deps, suite.world.tenant.id, "landing-s3", { endpoint: s3.endpoint, bucket: BUCKET });
  });
  afterAll(async () => {
    await s3?.stop();
  });

  /** A run as the scheduler starts it (or as `trigger` says), executed to its end. */
  async function ran(w: MaintenanceWorld, ingestionId: string) {
    const { runId } = await triggerRun(w.deps, w.tenant.id, ingestionId, { trigger: "SCHEDULE" });
    await w.executor.idle();
    return w.db.run.findUniqueOrThrow({ where: { id: runId } });
  }

  async function retried(w: MaintenanceWorld, runId: string) {
    const { runId: id } = await w.api.runs.retry({ id: runId });
    await w.executor.idle();
    return w.db.run.findUniqueOrThrow({ where: { id } });
  }

  /** The file history with the retry fields, by path. */
  async function files(w: MaintenanceWorld, ingestionId: string) {
    const found = await w.db.processedFile.findMany({
      where: { ingestionId },
      orderBy: { path: "asc" },
      select: { path: true, status: true, failureKind: true, nextAttemptAt: true, retryCount: true, error: true, rowCount: true, runId: true },
    });
    return Object.fromEntries(found.map(({ path: p, ...f }) => [p, f]));
  }

  /** The errors a run's attempts recorded, by path. */
  async function attemptErrors(w: MaintenanceWorld, runId: string) {
    const found = await w.db.fileAttempt.findMany({ where: { runId }, select: { error: true, file: { select: { path: true } } } });
    return Object.fromEntries(found.map((a) => [a.file.path, a.error]));
  }

  const at = (ms: number) => new Date(ms);

  it("an unchanged corrupt file is not retried: the scheduled runs after it end NO_NEW_FILES; a new modification time retries it, new content loads", async () => {
    const w = suite.world;
    const f = await feed(w, { "ok.jsonl": rows("ok", 2), "bad.jsonl": BROKEN });
    const first = await ran(w, f.ing.id);
    expect(first).toMatchObject({ status: "PARTIAL", filesDiscovered: 2, filesLoaded: 1, filesFailed: 1, rowsLoaded: 2n, error: null });
    const failed = (await files(w, f.ing.id))["bad.jsonl"];
    expect(failed).toMatchObject({ status: "FAILED", failureKind: "DATA", nextAttemptAt: null, retryCount: 1, rowCount: null, runId: first.id });
    expect(failed?.error).toContain(`Malformed JSON in file "${f.uri("bad.jsonl")}"`);
    expect(await attemptErrors(w, first.id)).toEqual({ "ok.jsonl": null, "bad.jsonl": failed?.error });
    // The file history says why, for the dashboard.
    const listed = await w.api.files.list({ ingestionId: f.ing.id, status: "FAILED" });
    expect(listed.items.map((x) => [x.path, x.failureKind, x.nextAttemptAt])).toEqual([["bad.jsonl", "DATA", null]]);

    // A minute later and an hour later: nothing new, and the same bytes would fail the same way.
    for (const wait of [MINUTE, HOUR]) {
      clock.advance(wait);
      const later = await ran(w, f.ing.id);
      expect(later).toMatchObject({ status: "NO_NEW_FILES", filesDiscovered: 0, filesLoaded: 0, filesFailed: 0, error: null });
      expect(await attemptsOf(w, later.id)).toEqual({});
      expect((await files(w, f.ing.id))["bad.jsonl"]).toEqual(failed);
    }
    expect(await w.db.ingestion.findUniqueOrThrow({ where: { id: f.ing.id } })).toMatchObject({ lastRunStatus: "NO_NEW_FILES" });

    // Touched (same bytes, a new modification time): the listing says it changed, so it is tried again.
    await setModified(f.landing, "bad.jsonl", new Date("2027-01-01T00:00:00Z"));
    const touched = await ran(w, f.ing.id);
    expect(touched).toMatchObject({
      status: "FAILED",
      filesDiscovered: 1,
      filesLoaded: 0,
      filesFailed: 1,
      error: `All 1 file(s) failed; first: bad.jsonl: ${failed?.error}`,
    });
    expect((await files(w, f.ing.id))["bad.jsonl"]).toMatchObject({ status: "FAILED", failureKind: "DATA", retryCount: 1, runId: touched.id });
    expect(await ran(w, f.ing.id)).toMatchObject({ status: "NO_NEW_FILES", filesDiscovered: 0 });

    await f.add({ "bad.jsonl": rows("fixed", 3) });
    const fixed = await ran(w, f.ing.id);
    expect(fixed).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 1, filesLoaded: 1, filesFailed: 0, rowsLoaded: 3n, error: null });
    expect((await files(w, f.ing.id))["bad.jsonl"]).toEqual({
      status: "SUCCESS",
      failureKind: null,
      nextAttemptAt: null,
      retryCount: 0,
      error: null,
      rowCount: 3n,
      runId: fixed.id,
    });
    expect(await f.rows()).toEqual({ "ok.jsonl": 2, "bad.jsonl": 3 });
    expect(await f.ledger()).toEqual({ "ok.jsonl": 2, "bad.jsonl": 3 });
  });

  it("runs.retry and files.reprocess take an unchanged DATA failure (a user asked); the scheduled runs after them leave it", async () => {
    const w = suite.world;
    const f = await feed(w, { "ok.jsonl": rows("ok", 1), "bad.jsonl": BROKEN });
    const first = await ran(w, f.ing.id);
    expect(first).toMatchObject({ status: "PARTIAL", filesLoaded: 1, filesFailed: 1 });

    const retry = await retried(w, first.id);
    expect(retry).toMatchObject({ trigger: "RETRY", status: "FAILED", filesLoaded: 0, filesFailed: 1 });
    expect((await files(w, f.ing.id))["bad.jsonl"]).toMatchObject({ status: "FAILED", failureKind: "DATA", retryCount: 2, runId: retry.id });
    expect(await ran(w, f.ing.id)).toMatchObject({ status: "NO_NEW_FILES", filesFailed: 0 });

    const [bad] = (await w.api.files.list({ ingestionId: f.ing.id, search: "bad.jsonl" })).items;
    await w.api.files.reprocess({ ingestionId: f.ing.id, fileIds: [bad?.id ?? ""] });
    expect((await files(w, f.ing.id))["bad.jsonl"]).toEqual({
      status: "PENDING",
      failureKind: null,
      nextAttemptAt: null,
      retryCount: 0,
      error: null,
      rowCount: null,
      runId: retry.id,
    });
    const again = await ran(w, f.ing.id);
    expect(again).toMatchObject({ status: "FAILED", filesDiscovered: 0, filesLoaded: 0, filesFailed: 1 });
    expect((await files(w, f.ing.id))["bad.jsonl"]).toMatchObject({ status: "FAILED", failureKind: "DATA", retryCount: 1, runId: again.id });
    clock.advance(HOUR);
    expect(await ran(w, f.ing.id)).toMatchObject({ status: "NO_NEW_FILES", filesFailed: 0 });
    expect(await f.rows()).toEqual({ "ok.jsonl": 1 });
    expect(await f.ledger()).toEqual({ "ok.jsonl": 1 });
  });

  it("a pending file deleted before its run loads it is MISSING after that one attempt (skipped, not failed); listed again, it loads", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 1), "c.jsonl": rows("c", 4) });
    w.gates.afterListing(f.ing.source.uri, () => rm(path.join(f.landing, "b.jsonl")));
    const first = await ran(w, f.ing.id);
    expect(first).toMatchObject({
      status: "SUCCEEDED",
      filesDiscovered: 3,
      filesLoaded: 2,
      filesFailed: 0,
      filesSkipped: 1,
      rowsLoaded: 6n,
      error: null,
    });
    const missing = `Gone from the source: File ${f.landing}/b.jsonl no longer exists; it loads again if the source lists it`;
    expect((await files(w, f.ing.id))["b.jsonl"]).toEqual({
      status: "MISSING",
      failureKind: null,
      nextAttemptAt: null,
      retryCount: 0,
      error: missing,
      rowCount: null,
      runId: first.id,
    });
    expect(await attemptsOf(w, first.id)).toEqual({
      "a.jsonl": { outcome: "SUCCESS", rowCount: 2 },
      "b.jsonl": { outcome: "MISSING", rowCount: null },
      "c.jsonl": { outcome: "SUCCESS", rowCount: 4 },
    });
    expect((await attemptErrors(w, first.id))["b.jsonl"]).toBe(missing);

    // Not listed any more: the next runs have nothing to do, and do not try it again.
    const second = await ran(w, f.ing.id);
    expect(second).toMatchObject({ status: "NO_NEW_FILES", filesDiscovered: 0, filesSkipped: 0, filesFailed: 0 });
    expect((await files(w, f.ing.id))["b.jsonl"]).toMatchObject({ status: "MISSING", runId: first.id });

    await f.add({ "b.jsonl": rows("b", 1) });
    const third = await ran(w, f.ing.id);
    expect(third).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 1, filesLoaded: 1, rowsLoaded: 1n });
    expect((await files(w, f.ing.id))["b.jsonl"]).toMatchObject({ status: "SUCCESS", error: null, rowCount: 1n, runId: third.id });
    expect(await f.rows()).toEqual({ "a.jsonl": 2, "b.jsonl": 1, "c.jsonl": 4 });
    expect(await f.ledger()).toEqual({ "a.jsonl": 2, "b.jsonl": 1, "c.jsonl": 4 });
  });

  let s3Feeds = 0;
  async function s3Feed(w: MaintenanceWorld, objects: Record<string, string>) {
    s3Feeds += 1;
    const prefix = `rules-${kind}-${s3Feeds}`;
    for (const [key, body] of Object.entries(objects)) await s3.put(BUCKET, `${prefix}/${key}`, body);
    const ing = await makeIngestion(w, {
      source: { connection: "landing-s3", path: prefix },
      destination: { schema: "raw", table: `s3_rules_${s3Feeds}` },
    });
    const table = `raw.s3_rules_${s3Feeds}`;
    return { ing, prefix, table, rows: () => tableRows(w.deps.engine.warehouse, w.tenant.slug, table, "id") };
  }

  it("an S3 object deleted between listing and download is MISSING after that one attempt; put back, it loads once", async () => {
    const w = suite.world;
    const f = await s3Feed(w, { "a.jsonl": rows("a", 1), "b.jsonl": rows("b", 2) });
    w.gates.afterListing(f.ing.source.uri, () => s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${f.prefix}/b.jsonl` })));
    const first = await ran(w, f.ing.id);
    expect(first).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 2, filesLoaded: 1, filesFailed: 0, filesSkipped: 1, error: null });
    expect((await files(w, f.ing.id))["b.jsonl"]).toMatchObject({
      status: "MISSING",
      failureKind: null,
      retryCount: 0,
      error: `Gone from the source: s3://${BUCKET}/${f.prefix}/b.jsonl does not exist; it loads again if the source lists it`,
      runId: first.id,
    });
    expect(await ran(w, f.ing.id)).toMatchObject({ status: "NO_NEW_FILES", filesFailed: 0, filesSkipped: 0 });

    await s3.put(BUCKET, `${f.prefix}/b.jsonl`, rows("b", 2));
    const back = await ran(w, f.ing.id);
    expect(back).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 1, filesLoaded: 1, rowsLoaded: 2n });
    expect((await f.rows()).map((r) => [r.id, r._source_file])).toEqual([
      ["a-0", `s3://${BUCKET}/${f.prefix}/a.jsonl`],
      ["b-0", `s3://${BUCKET}/${f.prefix}/b.jsonl`],
      ["b-1", `s3://${BUCKET}/${f.prefix}/b.jsonl`],
    ]);
  });

  it("an S3 outage during the downloads is retried by later runs after 1, then 2, then 3 (capped) minutes, up to the limit; a retry takes it after that", async () => {
    const w = suite.world;
    const f = await s3Feed(w, { "a.jsonl": rows("a", 2) });
    const reason = `Cannot reach the S3 endpoint at ${s3.endpoint}: ECONNREFUSED`;
    /** A run during which the store goes down once the listing is done, and is back after. */
    const ranThroughOutage = async () => {
      w.gates.afterListing(f.ing.source.uri, () => s3.suspend());
      try {
        return await ran(w, f.ing.id);
      } finally {
        await s3.resume();
      }
    };
    const expectFailedAt = async (run: { id: string }, retryCount: number, nextAttemptAt: number) => {
      expect((await files(w, f.ing.id))["a.jsonl"]).toEqual({
        status: "FAILED",
        failureKind: "TRANSIENT",
        nextAttemptAt: at(nextAttemptAt),
        retryCount,
        error: reason,
        rowCount: null,
        runId: run.id,
      });
      expect(await attemptErrors(w, run.id)).toEqual({ "a.jsonl": reason });
    };
    const t0 = clock.now.getTime();

    const first = await ranThroughOutage();
    expect(first).toMatchObject({ status: "FAILED", filesLoaded: 0, filesFailed: 1, error: `All 1 file(s) failed; first: a.jsonl: ${reason}` });
    await expectFailedAt(first, 1, t0 + MINUTE);
    const listed = await w.api.files.list({ ingestionId: f.ing.id });
    expect(listed.items.map((x) => [x.path, x.status, x.failureKind, x.nextAttemptAt])).toEqual([["a.jsonl", "FAILED", "TRANSIENT", at(t0 + MINUTE)]]);

    clock.advance(MINUTE / 2);
    expect(await ran(w, f.ing.id)).toMatchObject({ status: "NO_NEW_FILES", filesLoaded: 0, filesFailed: 0 });
    await expectFailedAt(first, 1, t0 + MINUTE);

    clock.advance(MINUTE / 2);
    const second = await ranThroughOutage();
    expect(second).toMatchObject({ status: "FAILED", filesFailed: 1 });
    await expectFailedAt(second, 2, t0 + 3 * MINUTE);

    clock.advance(MINUTE);
    expect(await ran(w, f.ing.id)).toMatchObject({ status: "NO_NEW_FILES", filesFailed: 0 });

    clock.advance(MINUTE);
    const third = await ranThroughOutage();
    expect(third).toMatchObject({ status: "FAILED", filesFailed: 1 });
    await expectFailedAt(third, 3, t0 + 6 * MINUTE);

    // Failed as often as the limit allows: later runs leave it, however long they wait.
    clock.advance(HOUR);
    expect(await ran(w, f.ing.id)).toMatchObject({ status: "NO_NEW_FILES", filesFailed: 0 });
    await expectFailedAt(third, 3, t0 + 6 * MINUTE);

    const retry = await retried(w, third.id);
    expect(retry).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1, filesFailed: 0, rowsLoaded: 2n });
    expect((await files(w, f.ing.id))["a.jsonl"]).toEqual({
      status: "SUCCESS",
      failureKind: null,
      nextAttemptAt: null,
      retryCount: 3,
      error: null,
      rowCount: 2n,
      runId: retry.id,
    });
    expect((await f.rows()).map((r) => r.id)).toEqual(["a-0", "a-1"]);
  });
});
