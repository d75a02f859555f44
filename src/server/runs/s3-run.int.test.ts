// Runs over S3 end to end: PGlite metadata, a real s3rver on loopback, DuckDB. Objects are
// downloaded to a per-run staging directory that must be gone after the run, whatever its end.
import { existsSync } from "node:fs";
import path from "node:path";
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { triggerRun } from "@/server/services/runs/trigger-run";
import type { Source } from "@/server/sources/source";
import type { SourceFactory } from "@/server/sources/source-factory";
import { createConnectionInput } from "@/shared/contracts/connections";
import { createConnection } from "@/server/services/connections/create-connection";
import { createS3Connection } from "@/test/connection-fixtures";
import { createTestDatabase, type TestDatabase, createRunWorld, grantsWith, type RunWorld } from "@/test/world";
import { jsonl, ledgerPaths, makeIngestion, tableRows } from "@/test/run-fixtures";
import { freePort, startS3Server, type S3TestServer } from "@/test/s3-server";
import { stagingDirFor } from "./staging";

const BUCKET = "landing";

/** What the run did with its sources. */
interface SourceProbe {
  /** Staging directories downloaded into, and whether each existed at the time. */
  stagingDirs: Map<string, boolean>;
  /** Listing pages served. */
  pages: number;
  /** Runs once a listing has returned its last page (e.g. to take the store away). */
  afterListing: (() => Promise<void>) | null;
  /** Lists in pages of this many keys instead of the pipeline's default (1,000). */
  pageSize: number | null;
}

/** The engine's real source factory, with a probe around each source. */
function probedFactory(inner: SourceFactory, probe: SourceProbe): SourceFactory {
  return async (spec) => {
    const source = await inner(spec);
    const probed: Source = {
      type: source.type,
      uri: source.uri,
      async list(cursor, pageSize, startAfter) {
        const page = await source.list(cursor, probe.pageSize ?? pageSize, startAfter);
        probe.pages += 1;
        if (page.nextCursor === null && probe.afterListing) await probe.afterListing();
        return page;
      },
      stat: (p) => source.stat(p),
      localize(p, stagingDir) {
        probe.stagingDirs.set(stagingDir, existsSync(stagingDir));
        return source.localize(p, stagingDir);
      },
      release: (paths) => source.release(paths),
      uriOf: (p) => source.uriOf(p),
    };
    return probed;
  };
}

describe("runs over S3 (PGlite + s3rver + DuckDB)", () => {
  let t: TestDatabase;
  let s3: S3TestServer;
  let world: RunWorld;
  const probe: SourceProbe = { stagingDirs: new Map(), pages: 0, afterListing: null, pageSize: null };

  beforeAll(async () => {
    [t, s3] = await Promise.all([createTestDatabase("pglite"), startS3Server()]);
    await s3.createBucket(BUCKET);
    world = await createRunWorld(t.database.prisma, { s3Endpoints: [s3.endpoint], wrapSources: (base) => probedFactory(base, probe) });
  });
  afterAll(async () => {
    await world?.cleanup();
    await s3?.stop();
    await t?.destroy();
  });
  beforeEach(() => {
    probe.stagingDirs.clear();
    probe.pages = 0;
    probe.afterListing = null;
    probe.pageSize = null;
  });

  /**
   * An ingestion of `prefix` through a connection of its own (named after its table) on the test
   * server, or on `endpoint` (granted first), signing with the server's keys or with `credentialsRef`.
   */
  async function s3Ingestion(
    prefix: string,
    extra: { endpoint?: string; bucket?: string; table: string; format?: "JSON" | "CSV"; credentialsRef?: string; listing?: { mode: "FULL" | "ORDERED" } },
  ) {
    const endpoint = extra.endpoint ?? s3.endpoint;
    // From now on the suite's world is granted the endpoint (and the reference).
    const credentialRefs = extra.credentialsRef ? [extra.credentialsRef] : [];
    world = world.withConfig({ config: { grants: grantsWith(world.deps.config.grants, { endpoints: [endpoint], credentialRefs }) } });
    const name = `s3-${extra.table}`;
    if (extra.credentialsRef) {
      await createConnection(
        world.deps,
        world.tenant.id,
        createConnectionInput.parse({
          name,
          location: { type: "S3", bucket: extra.bucket ?? BUCKET, endpoint, forcePathStyle: true, credentials: { kind: "ENV_REF", ref: extra.credentialsRef } },
        }),
      );
    } else {
      await createS3Connection(world.deps, world.tenant.id, name, { endpoint, bucket: extra.bucket ?? BUCKET });
    }
    return makeIngestion(world, {
      source: { connection: name, path: prefix },
      format: { type: extra.format ?? "JSON" },
      destination: { schema: "raw", table: extra.table },
      ...(extra.listing ? { listing: extra.listing } : {}),
    });
  }

  async function runToEnd(ingestionId: string) {
    const { runId } = await triggerRun(world.deps, world.tenant.id, ingestionId);
    await world.executor.idle();
    const run = await world.deps.db.run.findUniqueOrThrow({ where: { id: runId } });
    const files = await world.deps.db.processedFile.findMany({
      where: { ingestionId },
      orderBy: { path: "asc" },
      select: { path: true, status: true, error: true, rowCount: true },
    });
    return { runId, run, files, staging: stagingDirFor(world.deps, runId) };
  }

  it("loads JSONL objects once, with each row's s3:// object URI, and removes the staging directory", async () => {
    await s3.put(BUCKET, "events/2026/", ""); // a "folder" marker
    await s3.put(BUCKET, "events/2026/01/a.jsonl", jsonl([{ id: 1, name: "a" }, { id: 2, name: "b" }]));
    await s3.put(BUCKET, "events/2026/01/b.jsonl", jsonl([{ id: 3, name: "c" }]));
    await s3.put(BUCKET, "events/dt=2026-01-02/part 1.jsonl", jsonl([{ id: 4, name: "d" }]));
    await s3.put(BUCKET, "events/_SUCCESS", "");
    await s3.put(BUCKET, "events/empty.jsonl", "");
    await s3.put(BUCKET, "events-old/x.jsonl", jsonl([{ id: 99, name: "not this prefix" }]));
    // No trailing slash: "events" is the directory events/, not every key starting with "events".
    const ing = await s3Ingestion("events", { table: "events" });

    const first = await runToEnd(ing.id);
    expect(first.run).toMatchObject({
      status: "SUCCEEDED",
      error: null,
      filesDiscovered: 4,
      filesLoaded: 3,
      filesFailed: 0,
      filesSkipped: 1,
      rowsLoaded: 4n,
      activeIngestionId: null,
    });
    expect(first.files).toEqual([
      { path: "2026/01/a.jsonl", status: "SUCCESS", error: null, rowCount: 2n },
      { path: "2026/01/b.jsonl", status: "SUCCESS", error: null, rowCount: 1n },
      { path: "dt=2026-01-02/part 1.jsonl", status: "SUCCESS", error: null, rowCount: 1n },
      { path: "empty.jsonl", status: "SKIPPED", error: "Empty file (0 bytes): nothing to load", rowCount: null },
    ]);
    expect(await tableRows(world.deps.engine.warehouse, world.tenant.slug, "raw.events", "id")).toEqual([
      { id: "1", name: "a", _source_file: `s3://${BUCKET}/events/2026/01/a.jsonl` },
      { id: "2", name: "b", _source_file: `s3://${BUCKET}/events/2026/01/a.jsonl` },
      { id: "3", name: "c", _source_file: `s3://${BUCKET}/events/2026/01/b.jsonl` },
      { id: "4", name: "d", _source_file: `s3://${BUCKET}/events/dt=2026-01-02/part 1.jsonl` },
    ]);
    expect(await ledgerPaths(world.deps.engine.warehouse, world.tenant.slug, ing.id)).toEqual([
      "2026/01/a.jsonl",
      "2026/01/b.jsonl",
      "dt=2026-01-02/part 1.jsonl",
    ]);
    // The pipeline made the run's staging directory before downloading into it, and removed it after.
    expect([...probe.stagingDirs]).toEqual([[first.staging, true]]);
    expect(first.staging).toBe(path.join(world.deps.engine.settings.stagingDir, first.runId));
    expect(existsSync(first.staging)).toBe(false);

    const second = await runToEnd(ing.id);
    expect(second.run).toMatchObject({ status: "NO_NEW_FILES", filesLoaded: 0 });
    expect(existsSync(second.staging)).toBe(false);

    await s3.put(BUCKET, "events/2026/02/c.jsonl", jsonl([{ id: 5, name: "e" }]));
    const third = await runToEnd(ing.id);
    expect(third.run).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1, rowsLoaded: 1n });
    expect(await tableRows(world.deps.engine.warehouse, world.tenant.slug, "raw.events", "id")).toHaveLength(5);
    expect(existsSync(third.staging)).toBe(false);
  });

  it("ORDERED listing asks S3 only for the keys after the last one seen (StartAfter): LIST requests follow the new keys", async () => {
    const keys = Array.from({ length: 9 }, (_, i) => `ordered/dt=2026-01-0${Math.floor(i / 3) + 1}/part-${i % 3}.jsonl`);
    await s3.seed(BUCKET, Object.fromEntries(keys.map((k, i) => [k, jsonl([{ id: i }])])));
    const ing = await s3Ingestion("ordered", { table: "ordered_keys", listing: { mode: "ORDERED" } });
    probe.pageSize = 2;

    const first = await runToEnd(ing.id);
    // Nine keys in pages of two: five requests, from the start of the prefix.
    expect(first.run).toMatchObject({ status: "SUCCEEDED", filesLoaded: 9, listRequests: 5, listedAfter: null });

    await s3.seed(BUCKET, { "ordered/dt=2026-01-04/part-0.jsonl": jsonl([{ id: 10 }]), "ordered/dt=2026-01-04/part-1.jsonl": jsonl([{ id: 11 }]) });
    probe.pages = 0;
    const next = await runToEnd(ing.id);
    // Two new keys: one request (a page of two, and S3 says there is no more), not five.
    expect(next.run).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 2, filesLoaded: 2, listRequests: 1, listedAfter: "dt=2026-01-03/part-2.jsonl" });
    expect(probe.pages).toBe(1);
    expect(next.files.filter((f) => f.status === "SUCCESS")).toHaveLength(11);
  });

  it("loads CSV objects with their header", async () => {
    await s3.put(BUCKET, "csv/2026/orders-1.csv", "order_id,amount,customer\n1,9.5,ann\n2,12.25,bob\n");
    await s3.put(BUCKET, "csv/2026/orders-2.csv", "order_id,amount,customer\n3,1.0,cy\n");
    const ing = await s3Ingestion("csv/", { table: "orders", format: "CSV" });
    const r = await runToEnd(ing.id);
    expect(r.run).toMatchObject({ status: "SUCCEEDED", filesLoaded: 2, rowsLoaded: 3n });
    expect(await tableRows(world.deps.engine.warehouse, world.tenant.slug, "raw.orders", "order_id")).toEqual([
      { order_id: "1", amount: 9.5, customer: "ann", _source_file: `s3://${BUCKET}/csv/2026/orders-1.csv` },
      { order_id: "2", amount: 12.25, customer: "bob", _source_file: `s3://${BUCKET}/csv/2026/orders-1.csv` },
      { order_id: "3", amount: 1, customer: "cy", _source_file: `s3://${BUCKET}/csv/2026/orders-2.csv` },
    ]);
    expect(await ledgerPaths(world.deps.engine.warehouse, world.tenant.slug, ing.id)).toEqual([
      "2026/orders-1.csv",
      "2026/orders-2.csv",
    ]);
    expect(existsSync(r.staging)).toBe(false);
  });

  it("discovers over several listing pages and loads in several batches, each object once", async () => {
    // Paging past 1,000 real keys is covered in s3-source.int.test.ts; here the pages are small so
    // discovery and batching cross page and batch boundaries without thousands of downloads.
    const COUNT = 45;
    const name = (i: number) => `bulk/part-${String(i).padStart(4, "0")}.jsonl`;
    await s3.seed(BUCKET, Object.fromEntries(Array.from({ length: COUNT }, (_, i) => [name(i), jsonl([{ n: i }])])));
    const ing = await s3Ingestion("bulk", { table: "bulk" });
    probe.pageSize = 20;
    const settings = world.deps.engine.settings;
    const batchMaxFiles = settings.batchMaxFiles;
    settings.batchMaxFiles = 16;
    try {
      const r = await runToEnd(ing.id);
      expect(probe.pages).toBe(3);
      expect(r.run).toMatchObject({ status: "SUCCEEDED", filesDiscovered: COUNT, filesLoaded: COUNT, rowsLoaded: BigInt(COUNT) });
      const summary = await world.deps.engine.warehouse.withConnection(world.tenant.slug, async (c) => {
        const q = await c.runAndReadAll(
          `SELECT count(*) AS rows, count(DISTINCT n) AS ns, count(DISTINCT _source_file) AS files,
                  min(_source_file) AS first, max(_source_file) AS last FROM raw.bulk`,
        );
        return q.getRowObjectsJson()[0];
      });
      expect(summary).toEqual({
        rows: String(COUNT),
        ns: String(COUNT),
        files: String(COUNT),
        first: `s3://${BUCKET}/${name(0)}`,
        last: `s3://${BUCKET}/${name(COUNT - 1)}`,
      });
      expect(await ledgerPaths(world.deps.engine.warehouse, world.tenant.slug, ing.id)).toEqual(
        Array.from({ length: COUNT }, (_, i) => name(i).slice("bulk/".length)),
      );
      expect(existsSync(r.staging)).toBe(false);
    } finally {
      settings.batchMaxFiles = batchMaxFiles;
    }
  });

  it("marks the object deleted between listing and download MISSING (skipped, not failed), and loads it once it is back", async () => {
    await s3.put(BUCKET, "flaky/a.jsonl", jsonl([{ id: 1 }]));
    await s3.put(BUCKET, "flaky/b.jsonl", jsonl([{ id: 2 }]));
    const ing = await s3Ingestion("flaky", { table: "flaky" });
    probe.afterListing = async () => {
      await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "flaky/b.jsonl" }));
    };
    const first = await runToEnd(ing.id);
    expect(first.run).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1, filesFailed: 0, filesSkipped: 1, error: null });
    expect(first.files).toEqual([
      { path: "a.jsonl", status: "SUCCESS", error: null, rowCount: 1n },
      {
        path: "b.jsonl",
        status: "MISSING",
        error: `Gone from the source: s3://${BUCKET}/flaky/b.jsonl does not exist; it loads again if the source lists it`,
        rowCount: null,
      },
    ]);
    expect(existsSync(first.staging)).toBe(false);

    probe.afterListing = null;
    await s3.put(BUCKET, "flaky/b.jsonl", jsonl([{ id: 2 }]));
    const second = await runToEnd(ing.id);
    expect(second.run).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 1, filesLoaded: 1, filesFailed: 0 });
    expect(await tableRows(world.deps.engine.warehouse, world.tenant.slug, "raw.flaky", "id")).toEqual([
      { id: "1", _source_file: `s3://${BUCKET}/flaky/a.jsonl` },
      { id: "2", _source_file: `s3://${BUCKET}/flaky/b.jsonl` },
    ]);
  });

  it("fails the run with the storage message when the bucket does not exist", async () => {
    const ing = await s3Ingestion("events", { bucket: "no-such-bucket", table: "nobucket" });
    const r = await runToEnd(ing.id);
    expect(r.run).toMatchObject({
      status: "FAILED",
      error: `S3 bucket 'no-such-bucket' does not exist at ${s3.endpoint}`,
      activeIngestionId: null,
      currentStep: null,
    });
    expect(r.files).toEqual([]);
    expect(existsSync(r.staging)).toBe(false);
    expect(await world.deps.db.ingestion.findUniqueOrThrow({ where: { id: ing.id } })).toMatchObject({ lastRunStatus: "FAILED" });
  });

  it("fails the run with the credentials message when the reference has no keys on the server", async () => {
    const ing = await s3Ingestion("events", { table: "noref", credentialsRef: "MISSING" });
    const r = await runToEnd(ing.id);
    expect(r.run).toMatchObject({
      status: "FAILED",
      error:
        "No S3 credentials for reference MISSING: set AUTOLOADER_S3_MISSING_ACCESS_KEY_ID and AUTOLOADER_S3_MISSING_SECRET_ACCESS_KEY on the server",
    });
    expect(r.files).toEqual([]);
  });

  it("fails the run when the endpoint cannot be reached, leaving no file in PROCESSING", async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const ing = await s3Ingestion("events", { table: "unreachable", endpoint });
    const r = await runToEnd(ing.id);
    expect(r.run).toMatchObject({
      status: "FAILED",
      error: `Cannot reach the S3 endpoint at ${endpoint}: ECONNREFUSED`,
      activeIngestionId: null,
      filesLoaded: 0,
    });
    expect(r.files.filter((f) => f.status === "PROCESSING")).toEqual([]);
    expect(existsSync(r.staging)).toBe(false);
  });

  it("fails the files, not the bookkeeping, when the store goes away after listing; staging is removed", async () => {
    const gone = await startS3Server();
    try {
      await gone.createBucket(BUCKET);
      await gone.put(BUCKET, "events/a.jsonl", jsonl([{ id: 1 }]));
      await gone.put(BUCKET, "events/b.jsonl", jsonl([{ id: 2 }]));
      const ing = await s3Ingestion("events", { table: "vanished", endpoint: gone.endpoint });
      probe.afterListing = () => gone.stop();
      const r = await runToEnd(ing.id);
      const reason = `Cannot reach the S3 endpoint at ${gone.endpoint}: ECONNREFUSED`;
      expect(r.run).toMatchObject({ status: "FAILED", filesLoaded: 0, filesFailed: 2, activeIngestionId: null });
      expect([`All 2 file(s) failed; first: a.jsonl: ${reason}`, `All 2 file(s) failed; first: b.jsonl: ${reason}`]).toContain(r.run.error);
      expect(r.files).toEqual([
        { path: "a.jsonl", status: "FAILED", error: reason, rowCount: null },
        { path: "b.jsonl", status: "FAILED", error: reason, rowCount: null },
      ]);
      // The downloads were attempted in the run's staging directory, which is gone now.
      expect([...probe.stagingDirs]).toEqual([[r.staging, true]]);
      expect(existsSync(r.staging)).toBe(false);
    } finally {
      await gone.stop();
    }
  });
});
