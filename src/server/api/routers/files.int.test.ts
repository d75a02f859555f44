// The files router (list, get, reprocess, clear) through the tRPC caller on a real database,
// DuckDB warehouse and local files: the history's pages and filters, a file's attempts, and
// reloading files exactly once (their rows replaced, never doubled; other files untouched).
import { describe, expect, it } from "vitest";
import type { AppCaller } from "@/test/world";
import { rejectionOf, zodIssuesOf, describeEachDatabase, useMaintenanceWorld } from "@/test/world";
import { attemptsOf, feed, snapshot, type Feed } from "@/test/maintenance-fixtures";
import { jsonl } from "@/test/run-fixtures";
import { fileStates } from "@/test/run-inspection";

// One failure is enough to stop ordinary runs retrying a file: reprocess is what brings it back.
const MAX_RETRIES = 1;
const rows = (prefix: string, count: number) => jsonl(Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, v: i })));
const BROKEN = "{not json\n";
const NO_COUNTS = { PENDING: 0, PROCESSING: 0, SUCCESS: 0, FAILED: 0, SKIPPED: 0, MISSING: 0 };

async function fileId(api: AppCaller, f: Feed, rel: string): Promise<string> {
  const { items } = await api.files.list({ ingestionId: f.ing.id, search: rel, limit: 200 });
  const hit = items.find((x) => x.path === rel);
  if (!hit) throw new Error(`no file ${rel} in ${f.ing.name}`);
  return hit.id;
}

describe("files router [pglite]", () => {
  const suite = useMaintenanceWorld({ settings: { maxFileRetries: MAX_RETRIES } });

  async function triggered(f: Feed) {
    const w = suite.world;
    const { runId } = await w.api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();
    return w.db.run.findUniqueOrThrow({ where: { id: runId } });
  }

  /** The destination's rows of one file, as loaded. */
  async function rowsOf(f: Feed, rel: string) {
    return suite.world.deps.engine.warehouse.withConnection(suite.world.tenant.slug, async (c) => {
      const r = await c.runAndReadAll(`SELECT * FROM ${f.table} WHERE _source_file = '${f.uri(rel)}' ORDER BY id`);
      return r.getRowObjectsJson();
    });
  }

  it("list: pages by path with a cursor, filters by status and by path (case-insensitive), counts every status", async () => {
    const w = suite.world;
    const f = await feed(w, {
      "a1.jsonl": rows("a", 2),
      "b2.jsonl": BROKEN,
      "c3.jsonl": rows("c", 1),
      "d4/Sales-x.jsonl": rows("x", 1),
      "d4/sales-y.jsonl": rows("y", 1),
      "e5.jsonl": "",
      "f6_x.jsonl": rows("f", 1),
      "g7.jsonl": rows("g", 1),
    });
    const run = await triggered(f);
    expect(run.status).toBe("PARTIAL");
    const counts = { ...NO_COUNTS, SUCCESS: 6, FAILED: 1, SKIPPED: 1 };
    const all = ["a1.jsonl", "b2.jsonl", "c3.jsonl", "d4/Sales-x.jsonl", "d4/sales-y.jsonl", "e5.jsonl", "f6_x.jsonl", "g7.jsonl"];

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<AppCaller["files"]["list"]>> = await w.api.files.list({ ingestionId: f.ing.id, limit: 3, cursor });
      expect(page.counts).toEqual(counts);
      pages.push(page.items.map((x) => x.path));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(pages).toEqual([all.slice(0, 3), all.slice(3, 6), all.slice(6)]);

    const whole = await w.api.files.list({ ingestionId: f.ing.id });
    expect(whole.nextCursor).toBeNull();
    expect(whole.items.find((x) => x.path === "a1.jsonl")).toMatchObject({
      ingestionId: f.ing.id,
      status: "SUCCESS",
      size: Buffer.byteLength(rows("a", 2)),
      rowCount: 2,
      retryCount: 0,
      error: null,
      runId: run.id,
      loadedAt: expect.any(Date),
      firstSeenAt: expect.any(Date),
    });
    expect(whole.items.find((x) => x.path === "e5.jsonl")).toMatchObject({ status: "SKIPPED", size: 0, error: "Empty file (0 bytes): nothing to load" });

    const failed = await w.api.files.list({ ingestionId: f.ing.id, status: "FAILED" });
    expect(failed.items.map((x) => [x.path, x.retryCount, x.rowCount])).toEqual([["b2.jsonl", 1, null]]);
    expect(failed.items[0]?.error).toContain("Malformed JSON");
    expect(failed.counts).toEqual(counts);
    const sales = await w.api.files.list({ ingestionId: f.ing.id, search: "  SALES " });
    expect(sales.items.map((x) => x.path)).toEqual(["d4/Sales-x.jsonl", "d4/sales-y.jsonl"]);
    expect((await w.api.files.list({ ingestionId: f.ing.id, search: "sales", status: "SUCCESS", limit: 1 })).items.map((x) => x.path)).toEqual([
      "d4/Sales-x.jsonl",
    ]);
    expect(await w.api.files.list({ ingestionId: f.ing.id, status: "PENDING" })).toEqual({ items: [], nextCursor: null, counts });

    expect(zodIssuesOf(await rejectionOf(w.api.files.list({ ingestionId: f.ing.id, limit: 201 })))).toEqual({ limit: ["Limit must be 1–200"] });
    expect(zodIssuesOf(await rejectionOf(w.api.files.list({ ingestionId: f.ing.id, status: "DONE" as "SUCCESS" })))).toEqual({
      status: ["Status must be one of PENDING, PROCESSING, SUCCESS, FAILED, SKIPPED, MISSING"],
    });
    const foreign = await rejectionOf(w.other.api.files.list({ ingestionId: f.ing.id }));
    expect([foreign.code, foreign.message]).toEqual(["NOT_FOUND", `No ingestion '${f.ing.id}'`]);
  });

  // Prisma turns `contains` into ILIKE '%search%' without escaping % and _ (prisma/orm#19506):
  // unescaped, "%" would reprocess every file, past the "a filter needs a status or a search" guard.
  it("a search is literal text: _ and % are no wildcards, in list and in reprocess", async () => {
    const w = suite.world;
    const f = await feed(w, { "p_1.jsonl": rows("p", 1), "q1.jsonl": rows("q", 2), "r%1.jsonl": rows("r", 1) });
    await triggered(f);
    const reprocessed = await w.api.files.reprocess({ ingestionId: f.ing.id, filter: { search: "%" } });
    expect(reprocessed).toMatchObject({ files: 1, rowsRemoved: 1 });
    expect(await f.rows()).toEqual({ "p_1.jsonl": 1, "q1.jsonl": 2 });
    expect((await w.api.files.list({ ingestionId: f.ing.id, search: "_" })).items.map((x) => x.path)).toEqual(["p_1.jsonl"]);
    expect((await w.api.files.list({ ingestionId: f.ing.id, search: "%" })).items.map((x) => x.path)).toEqual(["r%1.jsonl"]);
  });

  it("get: a file that failed, then loaded once fixed, with both attempts newest first", async () => {
    const w = suite.world;
    const f = await feed(w, { "x.jsonl": BROKEN });
    const first = await triggered(f);
    expect(first.status).toBe("FAILED");
    await f.add({ "x.jsonl": rows("x", 2) });
    const { runId: retry } = await w.api.runs.retry({ id: first.id });
    await w.executor.idle();

    const id = await fileId(w.api, f, "x.jsonl");
    const detail = await w.api.files.get({ id });
    expect(detail.ingestionName).toBe(f.ing.name);
    expect(detail.file).toMatchObject({ id, path: "x.jsonl", status: "SUCCESS", rowCount: 2, retryCount: 1, error: null, runId: retry, loadedAt: expect.any(Date) });
    expect(detail.attempts).toEqual([
      { runId: retry, trigger: "RETRY", outcome: "SUCCESS", rowCount: 2, error: null, at: expect.any(Date) },
      { runId: first.id, trigger: "MANUAL", outcome: "FAILED", rowCount: null, error: expect.stringContaining("Malformed JSON"), at: expect.any(Date) },
    ]);
    expect(detail.attempts[0]?.at.getTime()).toBeGreaterThanOrEqual(detail.attempts[1]?.at.getTime() ?? Infinity);

    const foreign = await rejectionOf(w.other.api.files.get({ id }));
    expect([foreign.code, foreign.message]).toEqual(["NOT_FOUND", `No file '${id}'`]);
    const unknown = "0190d1a6-0000-7000-8000-00000000abcd";
    const missing = await rejectionOf(w.api.files.get({ id: unknown }));
    expect([missing.code, missing.message]).toEqual(["NOT_FOUND", `No file '${unknown}'`]);
    expect(zodIssuesOf(await rejectionOf(w.api.files.get({ id: "" })))).toEqual({ id: ["File id is required"] });
  });

  it("reprocess of one file: its rows leave the table, the next run loads it again and only it", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 1), "c.jsonl": rows("c", 3) });
    await triggered(f);
    const others = { b: await rowsOf(f, "b.jsonl"), c: await rowsOf(f, "c.jsonl") };
    expect(await f.rows()).toEqual({ "a.jsonl": 2, "b.jsonl": 1, "c.jsonl": 3 });
    // The file changed in place: reprocessing is how its new content gets in.
    await f.add({ "a.jsonl": rows("a2", 3) });
    const a = await fileId(w.api, f, "a.jsonl");

    const answer = await w.api.files.reprocess({ ingestionId: f.ing.id, fileIds: [a] });
    expect(answer).toEqual({
      files: 1,
      rowsRemoved: 2,
      message: `1 file reset to PENDING; the next run loads it again; the 2 rows loaded from it before were removed from ${f.table}`,
    });
    expect(await f.rows()).toEqual({ "b.jsonl": 1, "c.jsonl": 3 });
    expect(await f.ledger()).toEqual({ "b.jsonl": 1, "c.jsonl": 3 });
    expect((await fileStates(w, f.ing.id))["a.jsonl"]).toEqual({ status: "PENDING", rowCount: null, retryCount: 0, error: null, runId: expect.any(String) });
    // Nothing is left holding the ingestion.
    expect(await w.db.run.count({ where: { activeIngestionId: f.ing.id } })).toBe(0);

    const next = await triggered(f);
    // The rewritten file's size follows the listing, so the run reports the bytes it loaded.
    const size = BigInt(Buffer.byteLength(rows("a2", 3)));
    expect(next).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 0, filesLoaded: 1, rowsLoaded: 3n, bytesLoaded: size });
    expect((await w.api.files.get({ id: a })).file.size).toBe(Number(size));
    expect(await attemptsOf(w, next.id)).toEqual({ "a.jsonl": { outcome: "SUCCESS", rowCount: 3 } });
    expect(await f.rows()).toEqual({ "a.jsonl": 3, "b.jsonl": 1, "c.jsonl": 3 });
    expect((await rowsOf(f, "a.jsonl")).map((r) => r.id)).toEqual(["a2-0", "a2-1", "a2-2"]);
    expect({ b: await rowsOf(f, "b.jsonl"), c: await rowsOf(f, "c.jsonl") }).toEqual(others);
    expect(await f.ledger()).toEqual({ "a.jsonl": 3, "b.jsonl": 1, "c.jsonl": 3 });
    expect((await w.api.files.get({ id: a })).attempts.map((x) => [x.runId, x.outcome, x.rowCount])).toEqual([
      [next.id, "SUCCESS", 3],
      [expect.any(String), "SUCCESS", 2],
    ]);
    expect((await triggered(f)).status).toBe("NO_NEW_FILES");
  });

  it("reprocess by filter: every FAILED file, its retry count reset, whatever the retry limit", async () => {
    const w = suite.world;
    const f = await feed(w, { "ok.jsonl": rows("ok", 1), "bad1.jsonl": BROKEN, "bad2.jsonl": BROKEN });
    expect(await triggered(f)).toMatchObject({ status: "PARTIAL", filesFailed: 2 });
    // Failures of their data, and unchanged: ordinary runs leave them.
    expect((await triggered(f)).status).toBe("NO_NEW_FILES");

    const answer = await w.api.files.reprocess({ ingestionId: f.ing.id, filter: { status: "FAILED" } });
    expect(answer).toEqual({ files: 2, rowsRemoved: 0, message: "2 files reset to PENDING; the next run loads them again" });
    const states = await fileStates(w, f.ing.id);
    expect([states["bad1.jsonl"], states["bad2.jsonl"]].map((s) => [s?.status, s?.retryCount, s?.error])).toEqual([
      ["PENDING", 0, null],
      ["PENDING", 0, null],
    ]);
    await f.add({ "bad1.jsonl": rows("bad1", 2) });

    const next = await triggered(f);
    expect(next).toMatchObject({ status: "PARTIAL", filesLoaded: 1, filesFailed: 1 });
    expect(await attemptsOf(w, next.id)).toEqual({
      "bad1.jsonl": { outcome: "SUCCESS", rowCount: 2 },
      "bad2.jsonl": { outcome: "FAILED", rowCount: null },
    });
    expect(await f.rows()).toEqual({ "ok.jsonl": 1, "bad1.jsonl": 2 });

    // By path, case-insensitive: a loaded file's rows go.
    const byPath = await w.api.files.reprocess({ ingestionId: f.ing.id, filter: { search: "OK.JSON" } });
    expect(byPath).toEqual({ files: 1, rowsRemoved: 1, message: `1 file reset to PENDING; the next run loads it again; the 1 row loaded from it before was removed from ${f.table}` });
    expect(await f.rows()).toEqual({ "bad1.jsonl": 2 });

    const none = await w.api.files.reprocess({ ingestionId: f.ing.id, filter: { status: "PROCESSING" } });
    expect(none).toEqual({ files: 0, rowsRemoved: 0, message: "No file matches the filter: nothing to reprocess" });
    expect(await w.db.run.count({ where: { activeIngestionId: f.ing.id } })).toBe(0);
  });

  it("reprocess refuses inputs that name no files or unknown ones, and changes nothing", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 1) });
    const g = await feed(w, { "z.jsonl": rows("z", 1) });
    await triggered(f);
    await triggered(g);
    const a = await fileId(w.api, f, "a.jsonl");
    const z = await fileId(w.api, g, "z.jsonl");
    const before = await snapshot(w, f);
    const either = "Give either fileIds or a filter, not both and not neither";

    expect(zodIssuesOf(await rejectionOf(w.api.files.reprocess({ ingestionId: f.ing.id, fileIds: [a], filter: { status: "FAILED" } })))).toEqual({ "": [either] });
    expect(zodIssuesOf(await rejectionOf(w.api.files.reprocess({ ingestionId: f.ing.id })))).toEqual({ "": [either] });
    const needs = "A filter needs a status or a search; to reload every file use files.clear or a FULL refresh";
    expect(zodIssuesOf(await rejectionOf(w.api.files.reprocess({ ingestionId: f.ing.id, filter: {} })))).toEqual({ filter: [needs] });
    expect(zodIssuesOf(await rejectionOf(w.api.files.reprocess({ ingestionId: f.ing.id, filter: { search: "   " } })))).toEqual({ filter: [needs] });
    expect(zodIssuesOf(await rejectionOf(w.api.files.reprocess({ ingestionId: f.ing.id, fileIds: [] })))).toEqual({ fileIds: ["Name at least one file"] });

    const unknown = "0190d1a6-0000-7000-8000-00000000abcd";
    const missing = await rejectionOf(w.api.files.reprocess({ ingestionId: f.ing.id, fileIds: [a, unknown] }));
    expect([missing.code, missing.message]).toEqual(["NOT_FOUND", `No file '${unknown}' in ingestion '${f.ing.name}'`]);
    // Another ingestion's file is not this one's.
    const elsewhere = await rejectionOf(w.api.files.reprocess({ ingestionId: f.ing.id, fileIds: [z, unknown] }));
    expect([elsewhere.code, elsewhere.message]).toEqual(["NOT_FOUND", `No file '${z}' in ingestion '${f.ing.name}' (and 1 more)`]);
    const foreign = await rejectionOf(w.other.api.files.reprocess({ ingestionId: f.ing.id, fileIds: [a] }));
    expect([foreign.code, foreign.message]).toEqual(["NOT_FOUND", `No ingestion '${f.ing.id}'`]);
    expect(await snapshot(w, f)).toEqual(before);
    expect(await g.rows()).toEqual({ "z.jsonl": 1 });
  });

  it("clear: refused without confirm; with it the history is gone, the rows too, and the next run loads each file once", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 1), "c.jsonl": BROKEN });
    const first = await triggered(f);
    expect(first.status).toBe("PARTIAL");
    const before = await snapshot(w, f);

    const refused = await rejectionOf(w.api.files.clear({ ingestionId: f.ing.id }));
    expect([refused.code, refused.message]).toEqual([
      "PRECONDITION_FAILED",
      `Clearing forgets the history of 3 files of '${f.ing.name}' and removes the rows they loaded from ${f.table}: pass confirm: true to execute it`,
    ]);
    expect((await rejectionOf(w.api.files.clear({ ingestionId: f.ing.id, confirm: false }))).code).toBe("PRECONDITION_FAILED");
    const foreign = await rejectionOf(w.other.api.files.clear({ ingestionId: f.ing.id, confirm: true }));
    expect([foreign.code, foreign.message]).toEqual(["NOT_FOUND", `No ingestion '${f.ing.id}'`]);
    expect(await snapshot(w, f)).toEqual(before);

    await f.add({ "c.jsonl": rows("c", 4) });
    const cleared = await w.api.files.clear({ ingestionId: f.ing.id, confirm: true });
    expect(cleared).toEqual({
      filesForgotten: 3,
      rowsRemoved: 3,
      message: `Forgot 3 files and removed 3 rows from ${f.table}; the next run loads every matching file again`,
    });
    expect(await w.api.files.list({ ingestionId: f.ing.id })).toEqual({ items: [], nextCursor: null, counts: NO_COUNTS });
    expect(await f.rows()).toEqual({});
    expect(await f.ledger()).toEqual({});
    expect((await snapshot(w, f)).runs).toEqual(before.runs);

    const next = await triggered(f);
    expect(next).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 3, filesLoaded: 3, rowsLoaded: 7n });
    expect(await attemptsOf(w, next.id)).toEqual({
      "a.jsonl": { outcome: "SUCCESS", rowCount: 2 },
      "b.jsonl": { outcome: "SUCCESS", rowCount: 1 },
      "c.jsonl": { outcome: "SUCCESS", rowCount: 4 },
    });
    expect(await f.rows()).toEqual({ "a.jsonl": 2, "b.jsonl": 1, "c.jsonl": 4 });
    expect(await f.ledger()).toEqual({ "a.jsonl": 2, "b.jsonl": 1, "c.jsonl": 4 });
    expect((await triggered(f)).status).toBe("NO_NEW_FILES");
  });

  it("a guard left by a dead process is released, not failed: maintenance and runs go on, no FAILED run appears", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    const old = new Date(Date.now() - w.deps.engine.settings.staleRunMs - 60_000);
    // The maintenance lock of a refresh whose process died.
    await w.db.$executeRaw`
      UPDATE "Ingestion" SET "maintenanceOperation" = 'a refresh', "maintenanceToken" = 'dead', "maintenanceBeatAt" = ${old}
      WHERE id = ${f.ing.id}`;
    const cleared = await w.api.files.clear({ ingestionId: f.ing.id, confirm: true });
    expect(cleared).toMatchObject({ filesForgotten: 0 });
    expect(await w.db.ingestion.findUniqueOrThrow({ where: { id: f.ing.id }, select: { maintenanceToken: true } })).toEqual({
      maintenanceToken: null,
    });
    const { runId } = await w.api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();
    expect(await w.db.run.findMany({ where: { ingestionId: f.ing.id }, select: { id: true, status: true } })).toEqual([
      { id: runId, status: "SUCCEEDED" },
    ]);
    expect((await w.api.ingestions.get({ id: f.ing.id })).lastRunStatus).toBe("SUCCEEDED");
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

describeEachDatabase("files maintenance and runs exclude each other", (kind) => {
  const suite = useMaintenanceWorld({ kind });

  it("reprocess and clear are a CONFLICT while a run is active, and work once it finished", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    await w.api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();
    const a = await fileId(w.api, f, "a.jsonl");

    await f.add({ "b.jsonl": rows("b", 1) });
    const gate = w.gates.hold(f.ing.source.uri);
    const { runId } = await w.api.runs.trigger({ ingestionId: f.ing.id });
    await gate.entered;
    const before = await snapshot(w, f);
    const reprocess = await rejectionOf(w.api.files.reprocess({ ingestionId: f.ing.id, fileIds: [a] }));
    expect([reprocess.code, reprocess.message]).toEqual([
      "CONFLICT",
      `Cannot reprocess files of ingestion '${f.ing.name}' while run ${runId} is running; wait for it to finish`,
    ]);
    const byFilter = await rejectionOf(w.api.files.reprocess({ ingestionId: f.ing.id, filter: { status: "SUCCESS" } }));
    expect(byFilter.code).toBe("CONFLICT");
    const clear = await rejectionOf(w.api.files.clear({ ingestionId: f.ing.id, confirm: true }));
    expect([clear.code, clear.message]).toEqual([
      "CONFLICT",
      `Cannot clear the file history of ingestion '${f.ing.name}' while run ${runId} is running; wait for it to finish`,
    ]);
    expect(await snapshot(w, f)).toEqual(before);

    gate.release();
    await w.executor.idle();
    expect(await f.rows()).toEqual({ "a.jsonl": 2, "b.jsonl": 1 });
    expect(await w.api.files.reprocess({ ingestionId: f.ing.id, fileIds: [a] })).toMatchObject({ files: 1, rowsRemoved: 2 });
    expect(await w.api.files.clear({ ingestionId: f.ing.id, confirm: true })).toMatchObject({ filesForgotten: 2, rowsRemoved: 1 });
    await w.api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();
    expect(await f.rows()).toEqual({ "a.jsonl": 2, "b.jsonl": 1 });
  });
});
