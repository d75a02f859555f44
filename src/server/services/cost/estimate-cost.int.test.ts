// The cost estimate service against real parts: PGlite, local directories, s3rver, the run
// pipeline for an ingestion's history, and calibration files on disk.
import { mkdtemp, rm, stat, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LOAD_MODEL, DEFAULT_PRICES, GB } from "@/server/domain/cost";
import { DomainError } from "@/server/domain/errors";
import { createIngestionInput, type CreateIngestionDraft } from "@/shared/contracts/ingestions";
import type { CostSettings, ServiceDeps } from "@/server/deps";
import { createIngestion } from "@/server/services/ingestions/create-ingestion";
import { setIngestionStatus } from "@/server/services/ingestions/set-ingestion-status";
import { triggerRun } from "@/server/services/runs/trigger-run";
import { ensureTenant } from "@/server/services/auth/tenants";
import { createConnectionInput } from "@/shared/contracts/connections";
import { createConnection } from "@/server/services/connections/create-connection";
import { createLocalConnection, createS3Connection, filesSource, FILES } from "@/test/connection-fixtures";
import { createTestDatabase, type TestDatabase, createRunWorld, useRunWorld, type RunWorld, testClock, grantsWith, withConfig } from "@/test/world";
import { jsonl, writeFiles } from "@/test/run-fixtures";
import { startS3Server, type S3TestServer } from "@/test/s3-server";
import { costEstimateView, estimateCostInput } from "@/shared/contracts/ingestions-cost";
import { estimateCost } from "./estimate-cost";
import { estimateLoadDurationMs, loadModel } from "@/server/engine/calibration";

const NOW = new Date("2026-11-22T12:00:00.000Z");
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000);
const MB = 1_000_000;
const DEFAULT_JSON = DEFAULT_LOAD_MODEL.JSON;

function estimate(deps: ServiceDeps, tenantId: string, raw: unknown) {
  return estimateCost(deps, tenantId, estimateCostInput.parse(raw));
}

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const e = await p.then(
    () => null,
    (error: unknown) => error,
  );
  if (!(e instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(e)}`);
  return e;
}

function withCost(deps: ServiceDeps, cost: CostSettings): ServiceDeps {
  return { ...deps, config: { ...deps.config, cost } };
}

describe("estimateCostInput", () => {
  const draft = { source: { connection: "files", path: "landing" }, format: { type: "JSON" } };

  it("takes an ingestion id or a draft, with optional prices", () => {
    expect(estimateCostInput.parse({ ingestionId: "abc" })).toEqual({ ingestionId: "abc" });
    const parsed = estimateCostInput.parse({ draft, prices: { computePerHour: 0.1 } });
    expect(parsed.draft?.schedule).toEqual({ frequency: "NONE", time: null, weekday: null, cron: null, timezone: "UTC" });
    expect(parsed.prices).toEqual({ computePerHour: 0.1 });
  });

  it.each([
    [{}, "Give an ingestion id or a draft (source, format, schedule) to estimate"],
    [{ ingestionId: "abc", draft }, "Give an ingestion id or a draft, not both"],
    [{ ingestionId: "abc", prices: { computePerHour: -1 } }, "Compute price per hour must not be negative"],
    [{ ingestionId: "abc", prices: { s3GetPer1000: "free" } }, "S3 GET price per 1,000 requests must be a number of US dollars"],
    [{ ingestionId: "abc", warehouseBytesPerSourceByte: 0 }, "Warehouse bytes per source byte must be more than 0"],
    [{ draft: { ...draft, schedule: { frequency: "CUSTOM", cron: "* *" } } }, "A custom schedule needs a 5-field cron expression"],
  ])("refuses %j", (raw, message) => {
    const r = estimateCostInput.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toContain(message);
  });
});

describe("estimateCost over local directories (PGlite)", () => {
  const suite = useRunWorld({ clock: testClock(NOW) });
  let landing: string;
  let scratch: string;

  beforeAll(async () => {
    const { world } = suite;
    landing = path.join(world.root, "landing");
    scratch = await mkdtemp(path.join(os.tmpdir(), "autoloader-cost-"));
    await writeFiles(landing, {
      "_SUCCESS": "",
      "a.json": Buffer.alloc(1 * MB, "a"),
      "b.json": Buffer.alloc(2 * MB, "b"),
      "empty.json": "",
      "notes.txt": "not data",
      "old.json": Buffer.alloc(3 * MB, "o"),
      "sub/c.json": Buffer.alloc(4 * MB, "c"),
    });
    // a, b and c landed in the last 30 days; old.json in September.
    await utimes(path.join(landing, "a.json"), daysAgo(2), daysAgo(2));
    await utimes(path.join(landing, "b.json"), daysAgo(21), daysAgo(21));
    await utimes(path.join(landing, "sub/c.json"), daysAgo(1), daysAgo(1));
    await utimes(path.join(landing, "old.json"), new Date("2026-09-01T00:00:00Z"), new Date("2026-09-01T00:00:00Z"));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  const draft = (over: Record<string, unknown> = {}) => ({
    source: filesSource(suite.world.root, landing, { glob: "**/*.json" }),
    format: { type: "JSON" },
    schedule: { frequency: "DAILY", time: "06:00", timezone: "UTC" },
    ...over,
  });

  it("a draft: every matching file is the backfill, arrivals come from last-modified times", async () => {
    const { world } = suite;
    const r = await estimate(world.deps, world.tenant.id, { draft: draft() });
    // What the router's .output() will check.
    expect(costEstimateView.parse(r)).toEqual(r);
    expect(r.subject).toEqual({ kind: "DRAFT" });
    expect(r.source).toEqual({ type: "LOCAL", uri: landing, glob: "**/*.json" });
    // 7 objects; a, b, old and sub/c match (10 MB); empty.json is skipped; _SUCCESS and notes.txt do not match.
    expect(r.listing).toEqual({ objects: 7, files: 4, bytes: 10 * MB, emptyFiles: 1, sampled: false, limit: 100_000 });
    expect(r.rate).toEqual({ format: "JSON", ...DEFAULT_JSON, source: "DEFAULT", measuredAt: null });
    expect(r.prices).toEqual(DEFAULT_PRICES);
    expect(r.schedule).toEqual({
      frequency: "DAILY",
      description: "Daily at 06:00 (UTC)",
      timezone: "UTC",
      month: {
        label: "2026-12",
        name: "December 2026",
        start: new Date("2026-12-01T00:00:00Z"),
        end: new Date("2027-01-01T00:00:00Z"),
        days: 31,
      },
      runsPerMonth: 31,
    });
    // a (1 MB) + b (2 MB) + c (4 MB) landed in the last 30 days.
    expect(r.steadyState).toEqual({ basis: "LISTING", windowDays: 30, files: 3, bytes: 7 * MB });
    // Backfill, by the default JSON model: 1 run's overhead + 4 files + 10 MB at the rate;
    // compute at $0.0464 per hour; a local directory makes no requests.
    const { runOverheadMs, perFileMs, mbPerSecond } = DEFAULT_JSON;
    const backfillMs = runOverheadMs + 4 * perFileMs + (10 * 1000) / mbPerSecond;
    expect(r.backfill).toMatchObject({ scope: "ALL_MATCHING", files: 4, bytes: 10 * MB, runsNeeded: 1, durationMs: Math.round(backfillMs), requestCost: 0 });
    expect(r.backfill.computeCost).toBeCloseTo((backfillMs / 1000 / 3600) * 0.0464, 15);
    expect(r.backfill.total).toBeCloseTo((backfillMs / 1000 / 3600) * 0.0464, 15);
    // Month: 3 files / 7 MB × 31/30 = 3.1 files / 7,233,333.3 bytes, in 3.1 of the 31 runs (the others find nothing).
    // Storage: (10 MB + 7,233,333.3 / 2) / 2^30 GB-months × $0.023.
    const monthlyMs = 3.1 * runOverheadMs + 3.1 * perFileMs + ((7 * 1000 * 31) / 30) / mbPerSecond;
    expect(r.monthly).toMatchObject({ runs: 31, durationMs: Math.round(monthlyMs), listRequests: 0, getRequests: 0, requestCost: 0 });
    expect(r.monthly.newFiles).toBeCloseTo(3.1, 10);
    expect(r.monthly.newBytes).toBeCloseTo((7 * MB * 31) / 30, 4);
    expect(r.monthly.storedGbMonths).toBeCloseTo((10 * MB + (7 * MB * 31) / 60) / GB, 12);
    expect(r.monthly.total).toBeCloseTo((monthlyMs / 1000 / 3600) * 0.0464 + ((10 * MB + (7 * MB * 31) / 60) / GB) * 0.023, 15);
    expect(r.assumptions).toContain("Empty files are skipped, not loaded: 1.");
    expect(r.assumptions).toContain("A local directory has no request charges.");
    expect(r.assumptions.find((a) => a.startsWith("Load time for JSON"))).toContain(
      "default: no calibration file is configured",
    );
  });

  it("a draft without a glob reads every non-marker file; manual only has no scheduled runs", async () => {
    const { world } = suite;
    const r = await estimate(world.deps, world.tenant.id, { draft: draft({ source: filesSource(world.root, landing), schedule: { frequency: "NONE" } }) });
    // notes.txt (8 bytes) now counts too.
    expect(r.listing).toMatchObject({ objects: 7, files: 5, bytes: 10 * MB + 8 });
    expect(r.monthly).toMatchObject({ runs: 0, computeCost: 0, durationMs: 0 });
    expect(r.monthly.total).toBeCloseTo(r.monthly.storageCost, 15);
    expect(r.assumptions.some((a) => a.startsWith("Manual only: no scheduled runs"))).toBe(true);
  });

  it("prices: the request's beat the configured ones, which beat the defaults", async () => {
    const { world } = suite;
    const deps = withCost(world.deps, { prices: { computePerHour: 1, storagePerGbMonth: 0.5 } });
    const r = await estimate(deps, world.tenant.id, { draft: draft(), prices: { computePerHour: 3.6 } });
    expect(r.prices).toEqual({ computePerHour: 3.6, storagePerGbMonth: 0.5, s3ListPer1000: 0.005, s3GetPer1000: 0.0004 });
    // $3.60/hour is $0.001 per second: each millisecond of backfill (default JSON model: 1 run, 4 files, 10 MB) costs $0.000001.
    const backfillMs = DEFAULT_JSON.runOverheadMs + 4 * DEFAULT_JSON.perFileMs + (10 * 1000) / DEFAULT_JSON.mbPerSecond;
    expect(r.backfill.computeCost).toBeCloseTo(backfillMs / 1e6, 15);
    expect(r.assumptions).toContain("Compute is billed for load time only, at $3.60 per hour (given with this request).");
    expect(r.assumptions.find((a) => a.startsWith("Warehouse storage"))).toContain("$0.50 per GB-month (GB = 2^30 bytes; configured)");
  });

  it("sampled listing: stops at the bound and says every count is a lower bound", async () => {
    const { world } = suite;
    // Listing order: _SUCCESS, a.json, b.json, … — a bound of 3 sees a and b.
    const r = await estimate(withCost(world.deps, { listLimit: 3 }), world.tenant.id, { draft: draft() });
    expect(r.listing).toEqual({ objects: 3, files: 2, bytes: 3 * MB, emptyFiles: 0, sampled: true, limit: 3 });
    expect(r.backfill).toMatchObject({ files: 2, bytes: 3 * MB });
    expect(r.assumptions[0]).toBe(
      "Listing stopped at 3 objects (the listing bound; there are more): counts, bytes and LIST requests below are lower bounds — at least 2 matching files (2.86 MiB).",
    );
    // A bound equal to the number of objects lists everything: not sampled.
    const all = await estimate(withCost(world.deps, { listLimit: 7 }), world.tenant.id, { draft: draft() });
    expect(all.listing).toMatchObject({ objects: 7, files: 4, sampled: false, limit: 7 });
  });

  describe("calibration", () => {
    const calibrated = {
      measuredAt: "2026-11-20T10:00:00.000Z",
      quick: false,
      runOverheadMs: 100,
      perFileMs: { JSON: 5, CSV: 2, PARQUET: 0.5 },
      mbPerSecond: { JSON: 250, CSV: 300, PARQUET: 900 },
    };

    it("present: the measured overhead, per-file cost and rate of the format, with when they were measured", async () => {
      const { world } = suite;
      const file = path.join(scratch, "calibration.json");
      await writeFile(file, JSON.stringify(calibrated));
      const deps = withCost(world.deps, { calibrationFile: file });
      const r = await estimate(deps, world.tenant.id, { draft: draft() });
      expect(r.rate).toEqual({
        format: "JSON",
        mbPerSecond: 250,
        perFileMs: 5,
        runOverheadMs: 100,
        source: "CALIBRATION",
        measuredAt: new Date("2026-11-20T10:00:00.000Z"),
      });
      // 100 ms + 4 files × 5 ms + 10 MB / 250 MB/s (40 ms) = 160 ms.
      expect(r.backfill.durationMs).toBe(160);
      expect(r.assumptions.find((a) => a.startsWith("Load time"))).toBe(
        "Load time for JSON = 100 ms per run + 5 ms per file + bytes ÷ 250 MB/s (MB = 10^6 bytes; measured by npm run bench on 2026-11-20). The per-file cost is listing, claiming, reading and recording each file, which is what makes many small files slow; S3 downloads are not counted.",
      );
      expect(r.assumptions).toContain("Backfill load time: 1 run × 100 ms + 4 files × 5 ms + 9.54 MiB ÷ 250 MB/s = 0.1 + 0.02 + 0.04 s = 0.16 s.");
      // What the run pipeline records at claim time: 1,000 Parquet files of 1 MB each
      // = 100 ms + 1,000 × 0.5 ms + 1,000 MB / 900 MB/s (1,111.1 ms) = 1,711 ms.
      expect(await estimateLoadDurationMs(deps, "PARQUET", { files: 1_000, bytes: 1_000 * MB })).toBe(1_711);
      expect(await estimateLoadDurationMs(deps, "CSV", { files: 0, bytes: 0 })).toBe(0);
    });

    it("an older file with rates only: its rate, the default overhead and per-file cost, and no problem", async () => {
      const { world } = suite;
      const file = path.join(scratch, "rates-only.json");
      await writeFile(file, JSON.stringify({ measuredAt: "2026-11-20T10:00:00.000Z", quick: false, mbPerSecond: { JSON: 250, CSV: 300, PARQUET: 900 } }));
      const deps = withCost(world.deps, { calibrationFile: file });
      expect(await loadModel(deps, "JSON")).toEqual({
        format: "JSON",
        runOverheadMs: DEFAULT_JSON.runOverheadMs,
        perFileMs: DEFAULT_JSON.perFileMs,
        mbPerSecond: 250,
        source: "PARTIAL",
        measuredAt: new Date("2026-11-20T10:00:00.000Z"),
        origin: `rate measured by npm run bench on 2026-11-20; per-run overhead and per-file cost: default, not in ${file} (npm run bench writes them)`,
        problem: null,
      });
      const r = await estimate(deps, world.tenant.id, { draft: draft() });
      expect(r.rate).toMatchObject({ source: "PARTIAL", mbPerSecond: 250, perFileMs: DEFAULT_JSON.perFileMs });
      expect(r.backfill.durationMs).toBe(Math.round(DEFAULT_JSON.runOverheadMs + 4 * DEFAULT_JSON.perFileMs + 40));
      expect(r.assumptions.some((a) => a.startsWith(`The calibration file ${file}`))).toBe(false);
    });

    it("a quick calibration says so; one without the format falls back for that format", async () => {
      const { world } = suite;
      const file = path.join(scratch, "quick.json");
      await writeFile(file, JSON.stringify({ measuredAt: "2026-11-20T10:00:00.000Z", quick: true, perFileMs: { CSV: 2 }, mbPerSecond: { CSV: 300 } }));
      const deps = withCost(world.deps, { calibrationFile: file });
      expect(await loadModel(deps, "CSV")).toMatchObject({
        mbPerSecond: 300,
        perFileMs: 2,
        source: "PARTIAL",
        origin: `per-file cost and rate measured by npm run bench on 2026-11-20 in --quick mode (small data, a rougher figure); per-run overhead: default, not in ${file} (npm run bench writes it)`,
      });
      expect(await loadModel(deps, "JSON")).toMatchObject({
        ...DEFAULT_JSON,
        source: "DEFAULT",
        origin: `default: ${file} has no JSON figures`,
        problem: null,
      });
    });

    it("absent: the default model, and where the calibration would be", async () => {
      const { world } = suite;
      const file = path.join(scratch, "missing", "calibration.json");
      const r = await estimate(withCost(world.deps, { calibrationFile: file }), world.tenant.id, { draft: draft() });
      expect(r.rate).toEqual({ format: "JSON", ...DEFAULT_JSON, source: "DEFAULT", measuredAt: null });
      expect(r.assumptions.find((a) => a.startsWith("Load time"))).toContain(
        `default: ${file} does not exist yet; npm run bench measures this machine and writes it`,
      );
    });

    it.each([
      ["not JSON", "{ not json", "is not valid ("],
      ["a negative rate", JSON.stringify({ mbPerSecond: { JSON: -5 } }), "is not valid (mbPerSecond.JSON: "],
      ["no rates at all", JSON.stringify({ measuredAt: "yesterday" }), "is not valid (measuredAt: "],
      ["a negative per-file cost", JSON.stringify({ ...calibrated, perFileMs: { JSON: -0.5 } }), "is not valid (perFileMs.JSON: "],
      ["a per-file cost that is not a number", JSON.stringify({ ...calibrated, perFileMs: { CSV: "0.5" } }), "is not valid (perFileMs.CSV: "],
      ["an overhead that is not a number", JSON.stringify({ ...calibrated, runOverheadMs: "fast" }), "is not valid (runOverheadMs: "],
      ["per-file costs that are not per format", JSON.stringify({ ...calibrated, perFileMs: 0.5 }), "is not valid (perFileMs: "],
    ])("corrupt (%s): the default model and an assumption naming the problem, not an error", async (_what, content, says) => {
      const { world } = suite;
      const file = path.join(scratch, `corrupt-${Math.random().toString(36).slice(2)}.json`);
      await writeFile(file, content);
      const r = await estimate(withCost(world.deps, { calibrationFile: file }), world.tenant.id, { draft: draft() });
      expect(r.rate).toMatchObject({ ...DEFAULT_JSON, source: "DEFAULT" });
      const note = r.assumptions.find((a) => a.startsWith(`The calibration file ${file}`));
      expect(note).toContain(says);
      expect(note).toMatch(/; default load figures are used until npm run bench rewrites it$/);
    });
  });

  describe("storage errors", () => {
    it("a directory under the roots that does not exist", async () => {
      const { world } = suite;
      const missing = path.join(world.root, "missing");
      const e = await rejection(estimate(world.deps, world.tenant.id, { draft: draft({ source: filesSource(world.root, missing) }) }));
      expect(e).toMatchObject({ code: "BAD_REQUEST", message: `Local source directory ${missing} does not exist`, field: "source.path" });
    });

    it("a connection whose directory is no longer granted to the tenant", async () => {
      const { world } = suite;
      // The operator granted a directory, the tenant made a connection on it, then the grant was withdrawn.
      const elsewhere = await mkdtemp(path.join(os.tmpdir(), "autoloader-cost-elsewhere-"));
      try {
        const granted = withConfig(world.deps, { config: { grants: grantsWith(world.deps.config.grants, { localRoots: [elsewhere] }) } });
        await createLocalConnection(granted, world.tenant.id, "elsewhere", elsewhere);
        const e = await rejection(estimate(world.deps, world.tenant.id, { draft: draft({ source: { connection: "elsewhere" } }) }));
        expect(e).toMatchObject({
          code: "BAD_REQUEST",
          message: `Local directory ${elsewhere} is not under a root granted to this tenant (${world.root})`,
          field: "source.connection",
        });
      } finally {
        await rm(elsewhere, { recursive: true, force: true });
      }
    });

    it("a connection the tenant does not have, or another tenant's, is not found", async () => {
      const { world } = suite;
      const none = await rejection(estimate(world.deps, world.tenant.id, { draft: draft({ source: { connection: "nope" } }) }));
      expect(none).toMatchObject({ code: "NOT_FOUND", message: "No connection 'nope'", field: "source.connection" });
      const other = await ensureTenant(world.deps, `other-${Math.random().toString(36).slice(2, 8)}`);
      const theirs = await rejection(estimate(world.deps, other.id, { draft: draft() }));
      expect(theirs).toMatchObject({ code: "NOT_FOUND", message: `No connection '${FILES}'`, field: "source.connection" });
    });

    it("another tenant's ingestion is not found", async () => {
      const { world } = suite;
      const other = await ensureTenant(world.deps, `other-${Math.random().toString(36).slice(2, 8)}`);
      await createLocalConnection(world.deps, other.id, FILES, world.root);
      const ing = await createIngestion(
        world.deps,
        other.id,
        createIngestionInput.parse({
          name: "theirs",
          source: filesSource(world.root, landing),
          format: { type: "JSON" },
          destination: { schema: "raw", table: "theirs" },
        }),
      );
      const e = await rejection(estimate(world.deps, world.tenant.id, { ingestionId: ing.id }));
      expect(e).toMatchObject({ code: "NOT_FOUND", message: `No ingestion '${ing.id}'` });
    });
  });
});

describe("estimateCost for an existing ingestion (PGlite + runs)", () => {
  const suite = useRunWorld({ clock: testClock(NOW) });

  async function createWith(world: RunWorld, draft: Partial<CreateIngestionDraft>) {
    return createIngestion(
      world.deps,
      world.tenant.id,
      createIngestionInput.parse({
        name: `ing-${Math.random().toString(36).slice(2, 8)}`,
        format: { type: "JSON" },
        destination: { schema: "raw", table: `t_${Math.random().toString(36).slice(2, 8)}` },
        ...draft,
      }),
    );
  }

  it("backfill is what it has not loaded yet; steady state comes from its history once it has run", async () => {
    const { world } = suite;
    const dir = path.join(world.root, "orders");
    await writeFiles(dir, {
      "a.jsonl": jsonl([{ id: 1 }, { id: 2 }]),
      "b.jsonl": jsonl([{ id: 3 }]),
      "old.jsonl": jsonl([{ id: 4 }, { id: 5 }, { id: 6 }]),
    });
    await utimes(path.join(dir, "a.jsonl"), daysAgo(3), daysAgo(3));
    await utimes(path.join(dir, "b.jsonl"), daysAgo(10), daysAgo(10));
    await utimes(path.join(dir, "old.jsonl"), daysAgo(100), daysAgo(100));
    const size = async (f: string) => (await stat(path.join(dir, f))).size;
    const [a, b, old] = [await size("a.jsonl"), await size("b.jsonl"), await size("old.jsonl")];
    const ing = await createWith(world, { source: filesSource(world.root, dir), schedule: { frequency: "HOURLY", timezone: "UTC" } });

    // Never run: everything is backfill, and the listing stands in for the history.
    const before = await estimate(world.deps, world.tenant.id, { ingestionId: ing.id });
    expect(before.subject).toEqual({ kind: "INGESTION", ingestionId: ing.id, name: ing.name, status: "ACTIVE" });
    expect(before.backfill).toMatchObject({ scope: "NOT_YET_LOADED", files: 3, bytes: a + b + old });
    expect(before.steadyState).toEqual({ basis: "LISTING", windowDays: 30, files: 2, bytes: a + b });
    expect(before.assumptions).toContain(
      "This ingestion has not finished a run yet, so the steady state comes from the listing instead of its history.",
    );

    const { runId } = await triggerRun(world.deps, world.tenant.id, ing.id);
    await world.executor.idle();
    expect(await world.deps.db.run.findUniqueOrThrow({ where: { id: runId }, select: { status: true } })).toEqual({ status: "SUCCEEDED" });

    // A new file lands after the run.
    await writeFiles(dir, { "c.jsonl": jsonl([{ id: 7 }]) });
    await utimes(path.join(dir, "c.jsonl"), daysAgo(1), daysAgo(1));
    const c = await size("c.jsonl");

    const after = await estimate(world.deps, world.tenant.id, { ingestionId: ing.id });
    expect(after.listing).toMatchObject({ objects: 4, files: 4, bytes: a + b + old + c, sampled: false });
    expect(after.backfill).toMatchObject({ scope: "NOT_YET_LOADED", files: 1, bytes: c, runsNeeded: 1 });
    // History: a and b landed in the window and were loaded; old.jsonl was backfill (landed 100 days ago).
    expect(after.steadyState).toEqual({ basis: "HISTORY", windowDays: 30, files: 2, bytes: a + b });
    expect(costEstimateView.parse(after)).toEqual(after);
    // December 2026: 744 hourly runs; arrivals × 31/30.
    expect(after.monthly).toMatchObject({ runs: 744 });
    expect(after.monthly.newFiles).toBeCloseTo((2 * 31) / 30, 10);
    // Stored: everything loaded (a + b + old) + the backfill (c) + half the month's new bytes.
    expect(after.monthly.storedGbMonths).toBeCloseTo((a + b + old + c + ((a + b) * 31) / 60) / GB, 15);
    expect(after.assumptions).toContain(
      `Backfill now: the 1 matching file (${c} bytes) this ingestion has not loaded yet; 3 files it already loaded are not counted.`,
    );
    expect(after.assumptions.some((x) => x.startsWith("Steady state from this ingestion's history: 2 files"))).toBe(true);

    // Paused: same figures, and a word about it.
    await setIngestionStatus(world.deps, world.tenant.id, ing.id, "pause");
    const paused = await estimate(world.deps, world.tenant.id, { ingestionId: ing.id });
    expect(paused.subject).toMatchObject({ status: "PAUSED" });
    expect(paused.assumptions).toContain("The ingestion is paused: the monthly figures apply once it is resumed.");
  });

  it("a run records its estimate from the files it claimed: many small files take longer than one file of the same bytes", async () => {
    const { world } = suite;
    // 100 ms per run + 25 ms per file + bytes at 1 MB/s (1,000 bytes a millisecond).
    const file = path.join(world.root, "per-file-calibration.json");
    await writeFile(file, JSON.stringify({ runOverheadMs: 100, perFileMs: { JSON: 25, CSV: 1, PARQUET: 1 }, mbPerSecond: { JSON: 1, CSV: 1, PARQUET: 1 } }));
    const rows = Array.from({ length: 40 }, (_, i) => ({ id: i, note: `row ${i}`.padEnd(40, ".") }));
    const one = path.join(world.root, "one-file");
    const many = path.join(world.root, "many-files");
    await writeFiles(one, { "all.jsonl": jsonl(rows) });
    await writeFiles(many, Object.fromEntries(rows.map((r, i) => [`part-${String(i).padStart(2, "0")}.jsonl`, jsonl([r])])));
    const estimated = async (dir: string) => {
      const ing = await createWith(world, { source: filesSource(world.root, dir) });
      const calibrated = world.withConfig({ config: { cost: { calibrationFile: file } } });
      const { runId } = await triggerRun(calibrated.deps, world.tenant.id, ing.id);
      await calibrated.executor.idle();
      return await world.deps.db.run.findUniqueOrThrow({
        where: { id: runId },
        select: { status: true, filesLoaded: true, estimatedBytes: true, estimatedDurationMs: true },
      });
    };
    const a = await estimated(one);
    const b = await estimated(many);
    // The same rows either way: the bytes are equal, the file counts are not.
    expect(a.estimatedBytes).toBe(b.estimatedBytes);
    const bytes = Number(a.estimatedBytes);
    expect(a).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1, estimatedDurationMs: Math.round(100 + 1 * 25 + bytes / 1000) });
    expect(b).toMatchObject({ status: "SUCCEEDED", filesLoaded: 40, estimatedDurationMs: Math.round(100 + 40 * 25 + bytes / 1000) });
    // 39 more files, 39 × 25 ms more.
    expect(b.estimatedDurationMs! - a.estimatedDurationMs!).toBe(975);
  });

  it("a stored source that has gone away is a BAD_REQUEST with the storage's message", async () => {
    const { world } = suite;
    const dir = path.join(world.root, "vanishing");
    await writeFiles(dir, { "a.jsonl": jsonl([{ id: 1 }]) });
    const ing = await createWith(world, { source: filesSource(world.root, dir) });
    await rm(dir, { recursive: true });
    const e = await rejection(estimate(world.deps, world.tenant.id, { ingestionId: ing.id }));
    expect(e).toMatchObject({ code: "BAD_REQUEST", message: `Local source directory ${dir} does not exist`, field: undefined });
  });
});

describe("estimateCost over S3 (PGlite + s3rver)", () => {
  const BUCKET = "costs";
  let t: TestDatabase;
  let s3: S3TestServer;
  let world: RunWorld;
  const keys = 2_345;

  beforeAll(async () => {
    [t, s3] = await Promise.all([createTestDatabase("pglite"), startS3Server()]);
    await s3.createBucket(BUCKET);
    const objects: Record<string, string> = { "data/_SUCCESS": "" };
    for (let i = 0; i < keys; i++) objects[`data/part-${String(i).padStart(5, "0")}.json`] = "0123456789";
    await s3.seed(BUCKET, objects);
    const env = { AUTOLOADER_S3_WRONG_ACCESS_KEY_ID: "nope", AUTOLOADER_S3_WRONG_SECRET_ACCESS_KEY: "nope" };
    // The real clock: s3rver stamps objects with the time they were written.
    world = await createRunWorld(t.database.prisma, { s3Endpoints: [s3.endpoint], sourceEnv: env });
    // The tenant's connections: the test server's keys, a bucket that does not exist, and two
    // references it is granted (one the server has wrong keys for, one it has no keys for).
    await createS3Connection(world.deps, world.tenant.id, "s3", { endpoint: s3.endpoint, bucket: BUCKET });
    await createS3Connection(world.deps, world.tenant.id, "s3-no-bucket", { endpoint: s3.endpoint, bucket: "no-such-bucket" });
    world.deps.config.grants.fallback.s3?.credentialRefs?.push("WRONG", "MISSING");
    for (const ref of ["WRONG", "MISSING"]) {
      await createConnection(
        world.deps,
        world.tenant.id,
        createConnectionInput.parse({
          name: `s3-${ref.toLowerCase()}`,
          location: { type: "S3", bucket: BUCKET, endpoint: s3.endpoint, forcePathStyle: true, credentials: { kind: "ENV_REF", ref } },
        }),
      );
    }
  });
  afterAll(async () => {
    await world?.cleanup();
    await s3?.stop();
    await t?.destroy();
  });

  const s3Draft = (over: { connection?: string; schedule?: object } = {}) => ({
    source: { connection: over.connection ?? "s3", path: "data" },
    format: { type: "JSON" },
    schedule: over.schedule ?? { frequency: "HOURLY", timezone: "UTC" },
  });

  it("a draft: LIST requests per 1,000 objects per run, one GET per file", async () => {
    const r = await estimate(world.deps, world.tenant.id, { draft: s3Draft() });
    expect(r.source).toEqual({ type: "S3", uri: `s3://${BUCKET}/data`, glob: null });
    expect(r.listing).toEqual({ objects: keys + 1, files: keys, bytes: keys * 10, emptyFiles: 0, sampled: false, limit: 100_000 });
    // 2,346 objects: ceil(2,346 / 1,000) = 3 LIST requests per run; 2,345 GETs.
    expect(r.backfill).toMatchObject({ listRequests: 3, getRequests: keys, runsNeeded: 1 });
    expect(r.backfill.requestCost).toBeCloseTo((3 / 1000) * 0.005 + (keys / 1000) * 0.0004, 15);
    const { month } = r.schedule;
    expect(r.monthly.runs).toBe(month.days * 24);
    expect(r.monthly.listRequests).toBe(month.days * 24 * 3);
    // Everything was written just now: all of it landed in the last 30 days.
    expect(r.steadyState).toEqual({ basis: "LISTING", windowDays: 30, files: keys, bytes: keys * 10 });
    expect(r.monthly.getRequests).toBeCloseTo((keys * month.days) / 30, 9);
  });

  it("an existing ingestion over S3, with a listing bound between pages", async () => {
    const ing = await createIngestion(
      world.deps,
      world.tenant.id,
      createIngestionInput.parse({ name: "s3-costs", ...s3Draft(), destination: { schema: "raw", table: "s3_costs" } }),
    );
    const r = await estimate(withCost(world.deps, { listLimit: 1_500 }), world.tenant.id, { ingestionId: ing.id });
    // Pages of 1,000 then 500; the first key is data/_SUCCESS.
    expect(r.listing).toEqual({ objects: 1_500, files: 1_499, bytes: 14_990, emptyFiles: 0, sampled: true, limit: 1_500 });
    expect(r.backfill).toMatchObject({ scope: "NOT_YET_LOADED", files: 1_499, listRequests: 2 });
    expect(r.assumptions[0]).toContain("Listing stopped at 1,500 objects");
  });

  it.each([
    ["a bucket that does not exist", { connection: "s3-no-bucket" }, () => `S3 bucket 'no-such-bucket' does not exist at ${s3.endpoint}`],
    ["credentials S3 rejects", { connection: "s3-wrong" }, () => "S3 rejected the credentials (InvalidAccessKeyId); check the access key and secret"],
    [
      "a credentials reference the server does not have",
      { connection: "s3-missing" },
      () =>
        "No S3 credentials for reference MISSING: set AUTOLOADER_S3_MISSING_ACCESS_KEY_ID and AUTOLOADER_S3_MISSING_SECRET_ACCESS_KEY on the server",
    ],
  ])("storage error: %s", async (_what, over, message) => {
    const e = await rejection(estimate(world.deps, world.tenant.id, { draft: s3Draft(over) }));
    expect(e).toMatchObject({ code: "BAD_REQUEST", message: message(), field: "source.connection" });
  });
});
