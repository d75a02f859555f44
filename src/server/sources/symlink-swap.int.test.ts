// The symlink swap: while runs load a few hundred local files, another loop keeps turning some of
// them into symlinks to a file outside the allowed roots and back, many times. What DuckDB opens
// must be what was checked: no row of the foreign file may ever land in the table; files that were
// symlinks at their turn fail (or are not listed) with a clear message and load later, once they
// are files again, exactly once.
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSchema } from "@/shared/contracts/ingestions";
import type { BatchFile } from "@/server/engine/destinations/destination";
import { loadBatch } from "@/server/engine/destinations/duckdb/load-batch";
import { Warehouse } from "@/server/engine/destinations/duckdb/warehouse";
import { useRunWorld, testClock } from "@/test/world";
import { jsonl, makeIngestion, tableRows, writeFiles } from "@/test/run-fixtures";
import { fileStates, runToEnd } from "@/test/run-inspection";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";
import { LocalSource } from "./local-source";
import { listAll } from "./listing";
import { SourceError } from "./source";

const clock = testClock();
const suite = useRunWorld({ clock });

const ROUNDS = 20;
const FILES_PER_ROUND = 300;
/** Every FLIP_EVERY-th file of a round is flipped while its run loads. */
const FLIP_EVERY = 3;

let outside: string;
let foreign: string;

beforeAll(async () => {
  outside = await mkdtemp(path.join(os.tmpdir(), "autoloader-outside-"));
  foreign = path.join(outside, "foreign.jsonl");
  await writeFile(foreign, jsonl([{ id: -1, marker: "FOREIGN" }]));
});
afterAll(async () => {
  await rm(outside, { recursive: true, force: true });
});

const content = (id: number) => jsonl([{ id, marker: "ok" }]);

/**
 * Flips `files` between a real file and a symlink to the foreign file until `stop` is set; both
 * states by atomic rename from `tmpDir` (on the same filesystem, outside the listed directory).
 */
function startFlipping(files: { full: string; id: number }[], tmpDir: string) {
  const state = { stop: false, flips: 0 };
  const done = (async () => {
    await mkdir(tmpDir, { recursive: true });
    const tmpOf = (f: { id: number }) => path.join(tmpDir, `${f.id}.swap`);
    let asLink = true;
    while (!state.stop) {
      for (const f of files) {
        const tmp = tmpOf(f);
        if (asLink) await symlink(foreign, tmp);
        else await writeFile(tmp, content(f.id));
        await rename(tmp, f.full);
        state.flips += 1;
      }
      asLink = !asLink;
      await new Promise((r) => setImmediate(r));
    }
    // Every flipped file ends as a real file again.
    for (const f of files) {
      await writeFile(tmpOf(f), content(f.id));
      await rename(tmpOf(f), f.full);
    }
  })();
  return { state, done };
}

/** The refusal a file gets when it is a symlink out of the roots at its turn. */
const refusal = (full: string) => `${full} resolves through a symlink to outside the allowed roots; it loads once it is a file inside them`;

describe("symlink swap under the source and the engine (what the pipeline does per batch)", () => {
  let root: TempDir;
  let warehouse: Warehouse;
  beforeAll(async () => {
    root = await makeTempDir("swap-root");
    warehouse = new Warehouse(path.join(root.path, "..", `${path.basename(root.path)}-warehouse`));
  });
  afterAll(async () => {
    await warehouse.close();
    await rm(path.join(root.path, "..", `${path.basename(root.path)}-warehouse`), { recursive: true, force: true });
    await root.remove();
  });

  it("lists, localizes and loads while files flip: no foreign row, refusals named, every file once in the end", async () => {
    const landing = path.join(root.path, "landing");
    const staging = path.join(root.path, "..", `${path.basename(root.path)}-staging`);
    const source = new LocalSource(landing, [root.path]);
    const target = {
      ingestionId: "ing-swap",
      runId: "run-swap",
      schema: "raw",
      table: "swapped",
      format: formatSchema.parse({ type: "JSON" }),
      mode: "ADD_NEW_COLUMNS" as const,
      hints: {},
      uriPrefix: source.uriOf(""),
    };
    const loaded = new Set<string>();
    const refused = new Set<string>();
    /** One pass like a run: list what is not loaded yet, localize, load one batch, release. */
    const pass = async () => {
      const todo: string[] = [];
      for await (const page of listAll(source)) todo.push(...page.map((o) => o.path).filter((p) => !loaded.has(p)));
      const ready: BatchFile[] = [];
      await Promise.all(
        todo.map(async (p) => {
          try {
            ready.push({ id: p, path: p, localPath: await source.localize(p, staging) });
          } catch (error) {
            if (!(error instanceof SourceError)) throw error;
            expect({ code: error.code, message: error.message }).toEqual({ code: "OUTSIDE_ROOTS", message: refusal(path.join(landing, p)) });
            refused.add(p);
          }
        }),
      );
      try {
        const out = await warehouse.withConnection("acme", (c) => loadBatch(c, { ...target, runId: `run-${loaded.size}` }, ready));
        expect(out.failed).toEqual([]);
        for (const l of out.loaded) loaded.add(l.path);
      } finally {
        await source.release(ready.map((f) => f.localPath));
      }
    };
    const rows = () =>
      warehouse.withConnection("acme", async (c) =>
        (await c.runAndReadAll("SELECT id, marker, _source_file FROM raw.swapped ORDER BY id")).getRowObjectsJson() as {
          id: string;
          marker: string;
          _source_file: string;
        }[],
      );

    let flips = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const files: Record<string, string> = {};
      const flipped: { full: string; id: number }[] = [];
      for (let i = 0; i < FILES_PER_ROUND; i++) {
        const id = round * 1000 + i;
        const rel = `r${String(round).padStart(2, "0")}/f${String(i).padStart(3, "0")}.jsonl`;
        files[rel] = content(id);
        if (i % FLIP_EVERY === 0) flipped.push({ full: path.join(landing, rel), id });
      }
      await writeFiles(landing, files);
      const flipper = startFlipping(flipped, path.join(root.path, ".swap-tmp"));
      try {
        await pass();
      } finally {
        flipper.state.stop = true;
        await flipper.done;
      }
      flips += flipper.state.flips;
      expect((await rows()).filter((r) => r.marker !== "ok")).toEqual([]);
    }
    expect(flips).toBeGreaterThan(ROUNDS * 100);
    // The swaps did race the reads: some files were symlinks at their turn (else this proves nothing).
    expect(refused.size).toBeGreaterThan(0);
    // Every file is a file again: one more pass loads the rest, and each file holds its one row.
    await pass();
    const all = await rows();
    expect(all.filter((r) => r.marker !== "ok")).toEqual([]);
    expect(all).toHaveLength(ROUNDS * FILES_PER_ROUND);
    expect(new Set(all.map((r) => r.id)).size).toBe(ROUNDS * FILES_PER_ROUND);
    expect(loaded.size).toBe(ROUNDS * FILES_PER_ROUND);
    // Lineage names the source file, never the descriptor DuckDB read it through.
    expect(all.filter((r) => !r._source_file.startsWith(`${landing}/r`))).toEqual([]);
    console.info(`symlink swap (engine): ${flips} flips, ${refused.size} files refused at their turn`);
  }, 300_000);
});

describe("symlink swap during runs", () => {
  it("never loads a row from outside the roots, and loads every file exactly once in the end", async () => {
    const landing = path.join(suite.world.root, "swap-landing");
    const ing = await makeIngestion(suite.world, {
      source: { uri: landing },
      format: { type: "JSON" },
      destination: { schema: "raw", table: "swapped", partitionColumns: [] },
    });
    const table = "raw.swapped";
    const foreignRows = async () =>
      (await tableRows(suite.world.deps.engine.warehouse, suite.world.tenant.slug, table, "id")).filter(
        (r) => (r as { marker: string }).marker !== "ok",
      );

    let flips = 0;
    const refusals = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const files: Record<string, string> = {};
      const flipped: { full: string; id: number }[] = [];
      for (let i = 0; i < FILES_PER_ROUND; i++) {
        const id = round * 1000 + i;
        const rel = `r${String(round).padStart(2, "0")}/f${String(i).padStart(3, "0")}.jsonl`;
        files[rel] = content(id);
        if (i % FLIP_EVERY === 0) flipped.push({ full: path.join(landing, rel), id });
      }
      await writeFiles(landing, files);
      const flipper = startFlipping(flipped, path.join(suite.world.root, ".swap-tmp"));
      const run = await runToEnd(suite.world, ing.id);
      flipper.state.stop = true;
      await flipper.done;
      flips += flipper.state.flips;
      expect(run.status, run.error ?? "").toMatch(/^(SUCCEEDED|PARTIAL)$/);
      expect(await foreignRows()).toEqual([]);
      for (const [p, s] of Object.entries(await fileStates(suite.world, ing.id))) {
        if (s.status !== "FAILED") continue;
        // The only failure a swap may cause: the clear refusal of the symlink.
        expect(s.error).toBe(refusal(path.join(landing, p)));
        refusals.add(p);
      }
    }
    expect(flips).toBeGreaterThan(ROUNDS * 100);
    expect(refusals.size).toBeGreaterThan(0);

    // The files are all files now: the failed ones are retried after their backoff and load once.
    clock.advance(2 * 60 * 60_000);
    const last = await runToEnd(suite.world, ing.id);
    expect(last.status, last.error ?? "").toMatch(/^(SUCCEEDED|NO_NEW_FILES)$/);
    const states = await fileStates(suite.world, ing.id);
    expect(Object.keys(states)).toHaveLength(ROUNDS * FILES_PER_ROUND);
    expect(Object.entries(states).filter(([, s]) => s.status !== "SUCCESS")).toEqual([]);
    const rows = await tableRows(suite.world.deps.engine.warehouse, suite.world.tenant.slug, table, "id");
    expect(rows).toHaveLength(ROUNDS * FILES_PER_ROUND);
    expect(new Set(rows.map((r) => String((r as { id: string }).id))).size).toBe(ROUNDS * FILES_PER_ROUND);
    expect(await foreignRows()).toEqual([]);
    // Lineage names the real source file, never the descriptor DuckDB read it through.
    expect(rows.every((r) => String((r as { _source_file: string })._source_file).startsWith(`${landing}/r`))).toBe(true);
    console.info(`symlink swap: ${flips} flips over ${ROUNDS} runs, ${refusals.size} files refused at their turn`);
  }, 300_000);
});
