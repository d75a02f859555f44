import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { triggerRun } from "@/server/services/runs/trigger-run";
import { useRunWorld } from "@/test/world";
import { jsonl, ledgerPaths, makeIngestion, tableRows, writeFiles } from "@/test/run-fixtures";

describe("run pipeline on local files (PGlite)", () => {
  const suite = useRunWorld();

  it("loads new files once: a second run loads nothing, added files load alone", async () => {
    const landing = path.join(suite.world.root, "landing");
    await writeFiles(landing, {
      "2026/01/a.jsonl": jsonl([{ id: 1, name: "a" }, { id: 2, name: "b" }]),
      "2026/01/b.jsonl": jsonl([{ id: 3, name: "c" }]),
      "_SUCCESS": "",
      "empty.jsonl": "",
    });
    const ing = await makeIngestion(suite.world, { destination: { schema: "raw", table: "events" } });
    const { runId } = await triggerRun(suite.world.deps, suite.world.tenant.id, ing.id);
    await suite.world.executor.idle();
    const run = await suite.world.deps.db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run).toMatchObject({ status: "SUCCEEDED", filesLoaded: 2, filesFailed: 0, filesSkipped: 1, rowsLoaded: 3n, activeIngestionId: null });
    const rows = await tableRows(suite.world.deps.engine.warehouse, suite.world.tenant.slug, "raw.events", "id");
    expect(rows).toEqual([
      { id: "1", name: "a", _source_file: `${landing}/2026/01/a.jsonl` },
      { id: "2", name: "b", _source_file: `${landing}/2026/01/a.jsonl` },
      { id: "3", name: "c", _source_file: `${landing}/2026/01/b.jsonl` },
    ]);

    const second = await triggerRun(suite.world.deps, suite.world.tenant.id, ing.id);
    await suite.world.executor.idle();
    expect(await suite.world.deps.db.run.findUniqueOrThrow({ where: { id: second.runId } })).toMatchObject({ status: "NO_NEW_FILES", filesLoaded: 0 });

    await writeFiles(landing, { "2026/02/c.jsonl": jsonl([{ id: 4, name: "d", extra: true }]) });
    const third = await triggerRun(suite.world.deps, suite.world.tenant.id, ing.id);
    await suite.world.executor.idle();
    expect(await suite.world.deps.db.run.findUniqueOrThrow({ where: { id: third.runId } })).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1, rowsLoaded: 1n });
    expect(await tableRows(suite.world.deps.engine.warehouse, suite.world.tenant.slug, "raw.events", "id")).toHaveLength(4);
    expect(await ledgerPaths(suite.world.deps.engine.warehouse, suite.world.tenant.slug, ing.id)).toEqual([
      "2026/01/a.jsonl",
      "2026/01/b.jsonl",
      "2026/02/c.jsonl",
    ]);
    const versions = await suite.world.deps.db.schemaVersion.findMany({ where: { ingestionId: ing.id }, orderBy: { version: "asc" } });
    expect(versions.map((v) => [v.version, v.diff])).toEqual([
      [1, { added: [{ name: "id", type: "BIGINT" }, { name: "name", type: "VARCHAR" }, { name: "_source_file", type: "VARCHAR" }], removed: [], typeChanged: [] }],
      [2, { added: [{ name: "extra", type: "BOOLEAN" }], removed: [], typeChanged: [] }],
    ]);
  });

  it("records its estimate when it claims: the claimed files and bytes by the calibrated model, next to the actuals", async () => {
    const landing = path.join(suite.world.root, "estimated");
    const files = { "a.jsonl": jsonl([{ id: 1, pad: "x".repeat(1200) }]), "b.jsonl": jsonl([{ id: 2, pad: "y".repeat(600) }]) };
    await writeFiles(landing, files);
    const bytes = Object.values(files).reduce((n, f) => n + Buffer.byteLength(f), 0);
    // 1,000 ms per run + 100 ms per file + 0.001 MB/s (1,000 bytes a second): 1,000 + 2 × 100 + `bytes` milliseconds.
    const calibration = path.join(suite.world.root, "calibration.json");
    await writeFile(
      calibration,
      JSON.stringify({ measuredAt: "2026-11-01T00:00:00.000Z", quick: false, runOverheadMs: 1000, perFileMs: { JSON: 100 }, mbPerSecond: { JSON: 0.001, CSV: 1, PARQUET: 1 } }),
    );
    const ing = await makeIngestion(suite.world, { source: { uri: landing }, destination: { schema: "raw", table: "estimated" } });
    const calibrated = suite.world.withConfig({ config: { cost: { calibrationFile: calibration } } });
    const { runId } = await triggerRun(calibrated.deps, suite.world.tenant.id, ing.id);
    await calibrated.executor.idle();
    const run = await suite.world.deps.db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run).toMatchObject({ status: "SUCCEEDED", estimatedBytes: BigInt(bytes), estimatedDurationMs: 1_200 + bytes, bytesLoaded: BigInt(bytes) });
  });
});
