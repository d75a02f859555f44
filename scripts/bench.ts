// `npm run bench [-- --quick] [-- --case NAME] [-- --repeat N]`: generates data, loads it through the real run
// pipeline (metadata database + DuckDB warehouse), and loads the same files with one raw DuckDB
// statement in the same run. One JSON line per case; ratios are pipeline speed / raw speed.
// Each measurement runs in a child process of its own, so peak RSS belongs to that case alone.
// The measured MB/s per format are written to <data dir>/calibration.json for cost estimates.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import type { ServiceDeps } from "../src/server/services/deps";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    // Measurements per case and side; the median is reported (this machine's speed wanders).
    repeat: { type: "string" },
    case: { type: "string" },
    // internal: run one measurement and print its result
    measure: { type: "string" },
    mode: { type: "string" },
    dir: { type: "string" },
  },
});

interface CaseDef {
  name: string;
  format: "JSON" | "CSV" | "PARQUET";
  generate(dir: string, quick: boolean): Promise<void>;
}

const NESTED = (i: number) =>
  JSON.stringify({
    id: i,
    user: { name: `user-${i % 1000}`, tags: ["a", "b", i % 3 === 0 ? "c" : "d"] },
    amount: (i % 10_000) / 100,
    ts: "2026-11-22T12:00:00Z",
    note: `lorem ipsum dolor sit amet ${i}`,
  });

async function writeJsonl(dir: string, files: number, rowsPerFile: number) {
  mkdirSync(dir, { recursive: true });
  let id = 0;
  for (let f = 0; f < files; f++) {
    const lines: string[] = new Array(rowsPerFile);
    for (let r = 0; r < rowsPerFile; r++) lines[r] = NESTED(id++);
    writeFileSync(path.join(dir, `part-${String(f).padStart(5, "0")}.jsonl`), lines.join("\n") + "\n");
  }
}

async function viaDuckDb(sql: string) {
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  await c.run(sql);
  c.closeSync();
  db.closeSync();
}

const CASES: CaseDef[] = [
  {
    // ≈ 1 GB of nested JSONL (≈ 50 MB with --quick) in 100 MB files.
    name: "large-jsonl",
    format: "JSON",
    generate: (dir, quick) => (quick ? writeJsonl(dir, 2, 130_000) : writeJsonl(dir, 10, 680_000)),
  },
  {
    name: "small-jsonl-files",
    format: "JSON",
    generate: (dir, quick) => writeJsonl(dir, quick ? 1_000 : 5_000, 5),
  },
  {
    name: "csv",
    format: "CSV",
    generate: async (dir, quick) => {
      mkdirSync(dir, { recursive: true });
      const rows = quick ? 200_000 : 2_000_000;
      for (let f = 0; f < 4; f++) {
        await viaDuckDb(
          `COPY (SELECT ${f} * ${rows} + range AS id, 'name-' || (range % 1000) AS name, (range % 10000) / 100.0 AS amount,
                 TIMESTAMP '2026-01-01' + INTERVAL (range) SECOND AS ts, range % 7 = 0 AS flag
                 FROM range(${rows})) TO '${path.join(dir, `part-${f}.csv`)}' (HEADER, DELIMITER ',')`,
        );
      }
    },
  },
  {
    name: "parquet",
    format: "PARQUET",
    generate: async (dir, quick) => {
      mkdirSync(dir, { recursive: true });
      const rows = quick ? 500_000 : 5_000_000;
      for (let f = 0; f < 4; f++) {
        await viaDuckDb(
          `COPY (SELECT ${f} * ${rows} + range AS id, 'name-' || (range % 1000) AS name, (range % 10000) / 100.0 AS amount,
                 TIMESTAMP '2026-01-01' + INTERVAL (range) SECOND AS ts FROM range(${rows}))
                 TO '${path.join(dir, `part-${f}.parquet`)}' (FORMAT parquet)`,
        );
      }
    },
  },
];

function filesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => !f.startsWith("."))
    .map((f) => path.join(dir, f))
    .sort();
}

function readerFor(format: CaseDef["format"], files: string[]): string {
  const list = `[${files.map((f) => `'${f}'`).join(", ")}]`;
  if (format === "JSON") return `read_json(${list}, format = 'newline_delimited')`;
  if (format === "CSV") return `read_csv(${list}, header = true)`;
  return `read_parquet(${list})`;
}

/** Child process: one measurement. */
async function measure(caseName: string, mode: string, dir: string) {
  const def = CASES.find((c) => c.name === caseName);
  if (!def) throw new Error(`unknown case ${caseName}`);
  const files = filesIn(dir);
  const work = path.join(os.tmpdir(), `autoloader-bench-work-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  let rows = 0;
  let seconds = 0;
  if (mode === "raw") {
    const db = await DuckDBInstance.create(path.join(work, "raw.duckdb"));
    const c = await db.connect();
    const started = performance.now();
    await c.run(`CREATE TABLE t AS SELECT * FROM ${readerFor(def.format, files)}`);
    seconds = (performance.now() - started) / 1000;
    rows = Number((await c.runAndReadAll("SELECT count(*) AS n FROM t")).getRowObjectsJson()[0]?.n ?? 0);
    c.closeSync();
    db.closeSync();
  } else {
    const { openDatabase, migrateDatabase } = await import("../src/server/db/database");
    const { createDirectExecutor } = await import("../src/server/runs/direct-executor");
    const { Warehouse } = await import("../src/server/engine/warehouse");
    const { DEFAULT_RUN_SETTINGS } = await import("../src/server/runs/run-deps");
    const { createSourceFactory } = await import("../src/server/sources/source-factory");
    const { createIngestion } = await import("../src/server/services/ingestions/create-ingestion");
    const { ensureTenant } = await import("../src/server/services/auth/tenants");
    const { triggerRun } = await import("../src/server/services/runs/trigger-run");
    const { createIngestionInput } = await import("../src/server/domain/ingestion-input");
    // Start from a migrated metadata database made beforehand: initdb is a one-time cost of
    // installing Autoloader, not of loading files, and it would dominate this process's peak RSS.
    cpSync(path.join(path.dirname(dir), ".meta-template"), path.join(work, "meta"), { recursive: true });
    const database = await openDatabase({ kind: "pglite", dataDir: path.join(work, "meta") });
    await migrateDatabase(database);
    const quiet = { info: (m: string) => (process.env.BENCH_VERBOSE ? console.error(m) : undefined), warn: (m: string) => console.error(m), error: (m: string) => console.error(m) };
    const executor = createDirectExecutor(() => deps);
    const deps: ServiceDeps = {
      db: database.prisma,
      clock: () => new Date(),
      log: quiet,
      config: { localRoots: [dir], sessionTtlHours: 1 },
      engine: {
        warehouse: new Warehouse(path.join(work, "warehouse")),
        sources: createSourceFactory({ localRoots: [dir] }),
        settings: { ...DEFAULT_RUN_SETTINGS, stagingDir: path.join(work, "staging") },
      },
      // Started by hand below, so the measurement covers exactly the run.
      runs: { kind: "direct", launch: async () => ({ method: "direct" }) },
    };
    const tenant = await ensureTenant(deps, "bench");
    const ingestion = await createIngestion(
      deps,
      tenant.id,
      createIngestionInput.parse({
        name: caseName,
        source: { uri: dir },
        format: { type: def.format, ...(def.format === "JSON" ? { options: { layout: "NEWLINE_DELIMITED" } } : {}) },
        destination: { schema: "bench", table: caseName.replaceAll("-", "_") },
      }),
    );
    if (process.env.BENCH_VERBOSE) console.error(`[bench] rss before the run: ${Math.round(process.memoryUsage().rss / 1048576)} MiB`);
    const started = performance.now();
    const { runId } = await triggerRun(deps, tenant.id, ingestion.id);
    const result = await executor.runNow(runId);
    seconds = (performance.now() - started) / 1000;
    const run = await deps.db.run.findUniqueOrThrow({ where: { id: runId } });
    if (result.status !== "SUCCEEDED") throw new Error(`run ended ${result.status}: ${run.error ?? ""}`);
    rows = Number(run.rowsLoaded);
    await deps.engine.warehouse.close();
    await database.close();
  }
  rmSync(work, { recursive: true, force: true });
  // maxRSS is in kilobytes.
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ rows, seconds, files: files.length, peakRssMb }));
}

interface Measurement {
  rows: number;
  seconds: number;
  files: number;
  peakRssMb: number;
}

/** The measurement with the median time (its own RSS, rows and files go with it). */
function median(ms: Measurement[]): Measurement {
  const sorted = [...ms].sort((a, b) => a.seconds - b.seconds);
  const m = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!m) throw new Error("no measurement");
  // Peak RSS is a bound: report the highest seen, not the median's.
  return { ...m, peakRssMb: Math.max(...ms.map((x) => x.peakRssMb)) };
}

function runChild(args: string[]): Measurement {
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1] ?? "scripts/bench.ts", ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`bench child ${args.join(" ")} failed (exit ${r.status})`);
  const line = r.stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(line) as Measurement;
}

/** Child process: a migrated metadata database for the pipeline measurements to copy. */
async function prepareMetaTemplate(dir: string) {
  const { openDatabase, migrateDatabase } = await import("../src/server/db/database");
  rmSync(dir, { recursive: true, force: true });
  const database = await openDatabase({ kind: "pglite", dataDir: dir });
  await migrateDatabase(database);
  await database.close();
}

async function main() {
  if (values.measure === "meta-template") {
    await prepareMetaTemplate(values.dir ?? "");
    console.log("{}");
    return;
  }
  if (values.measure) {
    await measure(values.measure, values.mode ?? "pipeline", values.dir ?? "");
    return;
  }
  const quick = values.quick;
  const repeat = Math.max(1, Number.parseInt(values.repeat ?? (quick ? "1" : "3"), 10) || 1);
  const root = path.join(os.tmpdir(), `autoloader-bench-${quick ? "quick" : "full"}`);
  mkdirSync(root, { recursive: true });
  runChild(["--measure", "meta-template", "--dir", path.join(root, ".meta-template")]);
  const calibration: Record<string, number> = {};
  for (const def of CASES) {
    if (values.case && values.case !== def.name) continue;
    const dir = path.join(root, def.name);
    if (!existsSync(dir)) {
      process.stderr.write(`[bench] generating ${def.name} in ${dir}…\n`);
      await def.generate(dir, quick);
    }
    const bytes = filesIn(dir).reduce((n, f) => n + statSync(f).size, 0);
    const mb = bytes / 1e6;
    // Alternating raw and pipeline, so a slow spell of the machine hits both sides alike.
    const raws: Measurement[] = [];
    const pipelines: Measurement[] = [];
    for (let i = 0; i < repeat; i++) {
      raws.push(runChild(["--measure", def.name, "--mode", "raw", "--dir", dir]));
      pipelines.push(runChild(["--measure", def.name, "--mode", "pipeline", "--dir", dir]));
    }
    const raw = median(raws);
    const pipeline = median(pipelines);
    if (raw.rows !== pipeline.rows) throw new Error(`${def.name}: pipeline loaded ${pipeline.rows} rows, raw ${raw.rows}`);
    const result = {
      case: def.name,
      format: def.format,
      files: pipeline.files,
      rows: pipeline.rows,
      mb: Number(mb.toFixed(1)),
      seconds: Number(pipeline.seconds.toFixed(3)),
      mb_per_s: Number((mb / pipeline.seconds).toFixed(1)),
      files_per_s: Number((pipeline.files / pipeline.seconds).toFixed(0)),
      rows_per_s: Number((pipeline.rows / pipeline.seconds).toFixed(0)),
      peak_rss_mb: Number(pipeline.peakRssMb.toFixed(0)),
      raw_seconds: Number(raw.seconds.toFixed(3)),
      raw_peak_rss_mb: Number(raw.peakRssMb.toFixed(0)),
      ratio_vs_raw_duckdb: Number((raw.seconds / pipeline.seconds).toFixed(2)),
      runs_per_side: repeat,
    };
    console.log(JSON.stringify(result));
    if (def.name !== "small-jsonl-files") calibration[def.format] = result.mb_per_s;
  }
  const { loadConfig } = await import("../src/env");
  const dataDir = loadConfig().dataDir;
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, "calibration.json");
  writeFileSync(
    file,
    JSON.stringify({ measuredAt: new Date().toISOString(), quick, mbPerSecond: calibration }, null, 2) + "\n",
  );
  process.stderr.write(`[bench] wrote ${file}\n`);
}

await main();
