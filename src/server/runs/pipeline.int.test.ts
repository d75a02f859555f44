import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { triggerRun } from "@/server/services/runs/trigger-run";
import { createTestDatabase, type TestDatabase } from "@/test/databases";
import { createRunWorld, jsonl, ledgerPaths, makeIngestion, tableRows, writeFiles, type RunWorld } from "@/test/run-fixtures";

describe("run pipeline on local files (PGlite)", () => {
  let t: TestDatabase;
  let world: RunWorld;
  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    world = await createRunWorld(t.database.prisma);
  });
  afterAll(async () => {
    await world.cleanup();
    await t.destroy();
  });

  it("loads new files once: a second run loads nothing, added files load alone", async () => {
    const landing = path.join(world.root, "landing");
    await writeFiles(landing, {
      "2026/01/a.jsonl": jsonl([{ id: 1, name: "a" }, { id: 2, name: "b" }]),
      "2026/01/b.jsonl": jsonl([{ id: 3, name: "c" }]),
      "_SUCCESS": "",
      "empty.jsonl": "",
    });
    const ing = await makeIngestion(world, { destination: { schema: "raw", table: "events" } });
    const { runId } = await triggerRun(world.deps, world.tenant.id, ing.id);
    await world.executor.idle();
    const run = await world.deps.db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run).toMatchObject({ status: "SUCCEEDED", filesLoaded: 2, filesFailed: 0, filesSkipped: 1, rowsLoaded: 3n, activeIngestionId: null });
    const rows = await tableRows(world.deps.engine.warehouse, world.tenant.slug, "raw.events", "id");
    expect(rows).toEqual([
      { id: "1", name: "a", _source_file: `${landing}/2026/01/a.jsonl` },
      { id: "2", name: "b", _source_file: `${landing}/2026/01/a.jsonl` },
      { id: "3", name: "c", _source_file: `${landing}/2026/01/b.jsonl` },
    ]);

    const second = await triggerRun(world.deps, world.tenant.id, ing.id);
    await world.executor.idle();
    expect(await world.deps.db.run.findUniqueOrThrow({ where: { id: second.runId } })).toMatchObject({ status: "NO_NEW_FILES", filesLoaded: 0 });

    await writeFiles(landing, { "2026/02/c.jsonl": jsonl([{ id: 4, name: "d", extra: true }]) });
    const third = await triggerRun(world.deps, world.tenant.id, ing.id);
    await world.executor.idle();
    expect(await world.deps.db.run.findUniqueOrThrow({ where: { id: third.runId } })).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1, rowsLoaded: 1n });
    expect(await tableRows(world.deps.engine.warehouse, world.tenant.slug, "raw.events", "id")).toHaveLength(4);
    expect(await ledgerPaths(world.deps.engine.warehouse, world.tenant.slug, ing.id)).toEqual([
      "2026/01/a.jsonl",
      "2026/01/b.jsonl",
      "2026/02/c.jsonl",
    ]);
    const versions = await world.deps.db.schemaVersion.findMany({ where: { ingestionId: ing.id }, orderBy: { version: "asc" } });
    expect(versions.map((v) => [v.version, v.diff])).toEqual([
      [1, { added: [{ name: "id", type: "BIGINT" }, { name: "name", type: "VARCHAR" }, { name: "_source_file", type: "VARCHAR" }], removed: [], typeChanged: [] }],
      [2, { added: [{ name: "extra", type: "BOOLEAN" }], removed: [], typeChanged: [] }],
    ]);
  });
});
