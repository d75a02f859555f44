// ORDERED listing on a local source, end to end through runs: a run lists only what sorts after
// the last path the previous discovery saw, a full listing every `fullListingEveryHours` catches
// a late arrival, the high-water path moves only once a discovery completes, and an edit of what
// the ingestion lists (or a FULL refresh) starts it afresh.
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { refreshIngestion } from "@/server/services/ingestions/refresh-ingestion";
import { updateIngestion } from "@/server/services/ingestions/update-ingestion";
import { getRun } from "@/server/services/runs/get-run";
import { triggerRun } from "@/server/services/runs/trigger-run";
import type { Source } from "@/server/sources/source";
import type { SourceFactory } from "@/server/sources/source-factory";
import { jsonl, makeIngestion, writeFiles } from "@/test/run-fixtures";
import { createRunWorld, createTestDatabase, describeEachDatabase, testClock, type RunWorld, type TestClock, type TestDatabase } from "@/test/world";

const HOUR = 3_600_000;

/** What the runs asked of their sources: each list call's start-after path (null: from the start). */
interface ListProbe {
  startAfter: (string | null)[];
  /** Fails the listing's page after this many pages, once (a crash in the middle of discovery). */
  failAfterPages: number | null;
}

function probed(inner: SourceFactory, probe: ListProbe): SourceFactory {
  return async (spec) => {
    const source = await inner(spec);
    let pages = 0;
    const wrapped: Source = {
      type: source.type,
      uri: source.uri,
      async list(cursor, _pageSize, startAfter) {
        if (cursor === null) probe.startAfter.push(startAfter ?? null);
        if (probe.failAfterPages !== null && pages++ >= probe.failAfterPages) {
          probe.failAfterPages = null;
          throw new Error("the store went away mid-listing");
        }
        // Pages of two, so a listing of a few files takes several requests.
        return source.list(cursor, 2, startAfter);
      },
      stat: (p) => source.stat(p),
      localize: (p, dir) => source.localize(p, dir),
      release: (paths) => source.release(paths),
      uriOf: (p) => source.uriOf(p),
    };
    return wrapped;
  };
}

describeEachDatabase("ORDERED listing (local source)", (kind) => {
  let t: TestDatabase;
  let world: RunWorld;
  let clock: TestClock;
  const probe: ListProbe = { startAfter: [], failAfterPages: null };

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    clock = testClock(new Date());
    world = await createRunWorld(t.database.prisma, { clock, wrapSources: (base) => probed(base, probe) });
  });
  afterAll(async () => {
    await world?.cleanup();
    await t?.destroy();
  });

  async function run(ingestionId: string) {
    probe.startAfter.length = 0;
    const { runId } = await triggerRun(world.deps, world.tenant.id, ingestionId);
    await world.executor.idle();
    const r = await world.deps.db.run.findUniqueOrThrow({ where: { id: runId } });
    return { ...r, startAfter: [...probe.startAfter] };
  }
  const state = (id: string) =>
    world.deps.db.ingestion.findUniqueOrThrow({ where: { id }, select: { listingHighWaterPath: true, lastFullListingAt: true } });

  async function orderedIngestion(dir: string, extra: { glob?: string } = {}) {
    const landing = path.join(world.root, dir);
    await writeFiles(landing, {
      "dt=2026-01-01/a.jsonl": jsonl([{ id: 1 }]),
      "dt=2026-01-01/b.jsonl": jsonl([{ id: 2 }]),
      "dt=2026-01-02/a.jsonl": jsonl([{ id: 3 }]),
    });
    const ing = await makeIngestion(world, {
      source: { uri: landing, ...extra },
      listing: { mode: "ORDERED", fullListingEveryHours: 24 },
    });
    return { ing, landing };
  }

  it("lists everything first, then only after the last path seen; LIST requests follow the new keys", async () => {
    const { ing, landing } = await orderedIngestion("ordered");
    const first = await run(ing.id);
    // Three files in pages of two: two requests, from the start.
    expect(first).toMatchObject({ status: "SUCCEEDED", filesLoaded: 3, listRequests: 2, listedAfter: null, startAfter: [null] });
    expect(await state(ing.id)).toMatchObject({ listingHighWaterPath: "dt=2026-01-02/a.jsonl", lastFullListingAt: clock.now });

    const idle = await run(ing.id);
    expect(idle).toMatchObject({ status: "NO_NEW_FILES", listRequests: 1, listedAfter: "dt=2026-01-02/a.jsonl", startAfter: ["dt=2026-01-02/a.jsonl"] });
    // The API's run view says the same.
    expect((await getRun(world.deps, world.tenant.id, first.id)).run.listing).toEqual({ requests: 2, startedAfter: null });
    expect((await getRun(world.deps, world.tenant.id, idle.id)).run.listing).toEqual({ requests: 1, startedAfter: "dt=2026-01-02/a.jsonl" });
    // Nothing after it: the high-water path stays.
    expect((await state(ing.id)).listingHighWaterPath).toBe("dt=2026-01-02/a.jsonl");

    await writeFiles(landing, { "dt=2026-01-03/a.jsonl": jsonl([{ id: 4 }]), "dt=2026-01-03/b.jsonl": jsonl([{ id: 5 }]) });
    const next = await run(ing.id);
    expect(next).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 2, filesLoaded: 2, listRequests: 1, listedAfter: "dt=2026-01-02/a.jsonl" });
    expect((await state(ing.id)).listingHighWaterPath).toBe("dt=2026-01-03/b.jsonl");
  });

  it("a late arrival under an earlier path waits for the periodic full listing, which loads it", async () => {
    const { ing, landing } = await orderedIngestion("late");
    await run(ing.id);
    // Lands in a partition the listing has passed already.
    await writeFiles(landing, { "dt=2026-01-01/late.jsonl": jsonl([{ id: 9 }]) });
    clock.advance(23 * HOUR);
    expect(await run(ing.id)).toMatchObject({ status: "NO_NEW_FILES", listedAfter: "dt=2026-01-02/a.jsonl" });

    clock.advance(HOUR);
    const full = await run(ing.id);
    expect(full).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 1, filesLoaded: 1, listedAfter: null, startAfter: [null] });
    const files = await world.deps.db.processedFile.findMany({ where: { ingestionId: ing.id, status: "SUCCESS" }, select: { path: true }, orderBy: { path: "asc" } });
    expect(files.map((f) => f.path)).toContain("dt=2026-01-01/late.jsonl");
    expect(await state(ing.id)).toMatchObject({ listingHighWaterPath: "dt=2026-01-02/a.jsonl", lastFullListingAt: clock.now });
  });

  it("a discovery that fails in the middle leaves the high-water path, and the next run lists the same keys again", async () => {
    const { ing, landing } = await orderedIngestion("crash");
    await run(ing.id);
    const before = await state(ing.id);
    await writeFiles(landing, {
      "dt=2026-01-03/a.jsonl": jsonl([{ id: 4 }]),
      "dt=2026-01-03/b.jsonl": jsonl([{ id: 5 }]),
      "dt=2026-01-04/a.jsonl": jsonl([{ id: 6 }]),
    });
    // The first page (two files) is registered, the second request fails.
    probe.failAfterPages = 1;
    const failed = await run(ing.id);
    expect(failed.status).toBe("FAILED");
    expect(await state(ing.id)).toEqual(before);
    const again = await run(ing.id);
    expect(again).toMatchObject({ status: "SUCCEEDED", filesLoaded: 3, listedAfter: "dt=2026-01-02/a.jsonl" });
    expect((await state(ing.id)).listingHighWaterPath).toBe("dt=2026-01-04/a.jsonl");
  });

  it("a new glob or listing mode resets the high-water path: the next run lists everything", async () => {
    const { ing, landing } = await orderedIngestion("edited", { glob: "dt=2026-01-02/*" });
    expect(await run(ing.id)).toMatchObject({ filesLoaded: 1, listedAfter: null });
    expect((await state(ing.id)).listingHighWaterPath).toBe("dt=2026-01-02/a.jsonl");

    const edited = await updateIngestion(world.deps, world.tenant.id, { id: ing.id, patch: { source: { connection: "files", path: path.relative(world.root, landing), glob: null } }, adoptExistingTable: false });
    expect(edited.listing).toEqual({ mode: "ORDERED", fullListingEveryHours: 24, highWaterPath: null, lastFullListingAt: null });
    // The files of 2026-01-01 sort before the old high-water path: a full listing finds them.
    expect(await run(ing.id)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 2, listedAfter: null });

    // The interval alone keeps the state; a new mode does not.
    const interval = await updateIngestion(world.deps, world.tenant.id, { id: ing.id, patch: { listing: { fullListingEveryHours: 6 } }, adoptExistingTable: false });
    expect(interval.listing).toMatchObject({ mode: "ORDERED", fullListingEveryHours: 6, highWaterPath: "dt=2026-01-02/a.jsonl" });
    const full = await updateIngestion(world.deps, world.tenant.id, { id: ing.id, patch: { listing: { mode: "FULL" } }, adoptExistingTable: false });
    expect(full.listing).toMatchObject({ mode: "FULL", highWaterPath: null, lastFullListingAt: null });
  });

  it("a FULL refresh forgets the high-water path with the history, so every file loads again", async () => {
    const { ing } = await orderedIngestion("refreshed");
    await run(ing.id);
    await refreshIngestion(world.deps, world.tenant.id, { id: ing.id, mode: "FULL", dryRun: false, confirm: true, autoRun: false });
    expect(await state(ing.id)).toEqual({ listingHighWaterPath: null, lastFullListingAt: null });
    expect(await run(ing.id)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 3, listedAfter: null });
  });
});
