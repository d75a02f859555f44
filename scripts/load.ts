// `npm run load [-- --quick] [-- --duration S] [-- --db pglite|postgres|both] [-- --rebuild] [-- --case NAME]`:
// the API under load. Seeds one tenant with 1,000 ingestions, 10,000 runs and 200,000 file records
// (and a second tenant with a little data), starts the production build on 127.0.0.1, and drives
// 50 concurrent authenticated clients (autocannon) for a bounded time per case: /api/health (the
// framework's floor), ingestions.list/get, runs.list/get, files.list (a typical ingestion and the
// one with 100,000 files), and a mixed workload of reads beside 20 concurrent runs.trigger.
// One JSON line per case on stdout, each read's p95 also as a ratio to health's p95 in the same
// run; progress goes to stderr. Every case is bounded in time; the server, its data directory and
// the scratch PostgreSQL database are gone at the end (and on Ctrl-C). Exits 1 when any response
// was not 2xx (the case's line says which statuses, with samples).
import { mkdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { migrateDatabase, openDatabase, type Database } from "../src/server/db/database";
import { createScratchDatabase, postgresReachable, TEST_POSTGRES_URL } from "../src/test/postgres";
import { seedLoadData, type SeedResult } from "./load-seed";
import { ensureBuild, freePort, startServer, type RunningServer } from "./load-server";

const USAGE = `Usage: npm run load [-- --quick] [-- --duration S] [-- --db pglite|postgres|both] [-- --case NAME] [-- --rebuild] [-- --port N]
  --duration S   seconds of load per case (default 10; --quick: 3)
  --quick        a short smoke run: 3 s per case, a shorter warm-up
  --db           which metadata database (default both; postgres uses TEST_POSTGRES_URL, default ${TEST_POSTGRES_URL})
  --case NAME    only this case (repeatable); health always runs, as the floor the ratios need
  --rebuild      build even if ${".next-load"} holds a build of the current sources
  --keep         keep the data directories (and the server logs in them)
  --profile DIR  write the server's V8 CPU profile into DIR/<database>/ (open it in Chrome's DevTools)`;

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    duration: { type: "string" },
    db: { type: "string", default: "both" },
    case: { type: "string", multiple: true },
    rebuild: { type: "boolean", default: false },
    port: { type: "string" },
    keep: { type: "boolean", default: false },
    profile: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.error(USAGE);
  process.exit(0);
}
const duration = values.duration === undefined ? (values.quick ? 3 : 10) : Number(values.duration);
if (!Number.isFinite(duration) || duration < 1 || duration > 600) {
  console.error(`--duration must be a number of seconds from 1 to 600, not '${values.duration}'\n\n${USAGE}`);
  process.exit(2);
}
if (!["pglite", "postgres", "both"].includes(values.db)) {
  console.error(`--db must be pglite, postgres or both, not '${values.db}'\n\n${USAGE}`);
  process.exit(2);
}
const databases = (values.db === "both" ? ["pglite", "postgres"] : [values.db]) as DatabaseKind[];
const warmupSeconds = values.quick ? 1 : 2;

type DatabaseKind = "pglite" | "postgres";
const log = (m: string) => console.error(m);
const root = process.cwd();

/** Clients of every case; the mixed case splits them between reads and triggers. */
const CONNECTIONS = 50;
const TRIGGER_CONNECTIONS = 20;

// ---------------------------------------------------------------------------------------------
// Requests

interface Req {
  method: "GET" | "POST";
  path: string;
  body?: string;
}

/** tRPC's HTTP form: a query is a GET with its (superjson) input in the URL, a mutation a POST. */
const query = (procedure: string, input: unknown): Req => ({
  method: "GET",
  path: `/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`,
});
const mutation = (procedure: string, input: unknown): Req => ({
  method: "POST",
  path: `/api/trpc/${procedure}`,
  body: JSON.stringify({ json: input }),
});

/** The same order in every run: a seeded shuffle (mulberry32). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Cycles through `requests` forever. */
function cycle(requests: Req[]): () => Req {
  let i = 0;
  return () => requests[i++ % requests.length]!;
}

/** Interleaves several request streams one by one. */
function interleave(streams: (() => Req)[]): () => Req {
  let i = 0;
  return () => streams[i++ % streams.length]!();
}

interface CaseDef {
  name: string;
  /** What the clients send, one request after another. */
  next: () => Req;
  /** Every request of the case is sent at most this often in all (e.g. one trigger per ingestion). */
  amount?: number;
  connections: number;
  warmup: boolean;
}

function readCases(seed: SeedResult): Record<string, () => Req> {
  const t = seed.main;
  // Pages of 50: the first page and every later one (cursor = the last id of the page before).
  const ingestionPages: Req[] = [query("ingestions.list", { limit: 50 }), query("ingestions.list", { limit: 50, status: "ACTIVE" })];
  for (let i = 49; i < t.ingestionIds.length - 1; i += 50) ingestionPages.push(query("ingestions.list", { limit: 50, cursor: t.ingestionIds[i] }));
  // The tenant's runs page by page, and ingestions' own runs (the detail page's list), alternately.
  const runPages: Req[] = [query("runs.list", { limit: 50 })];
  for (let i = 49; i < Math.min(t.runIds.length - 1, 2_000); i += 50) runPages.push(query("runs.list", { limit: 50, cursor: t.runIds[i] }));
  const ingestionRuns = shuffled(t.ingestionIds, 3).map((id) => query("runs.list", { ingestionId: id, limit: 20 }));
  const smallIngestions = t.ingestionIds.filter((id) => id !== t.largeIngestionId);
  const largeFiles = t.largeIngestionFileIds;
  const largePages: Req[] = [query("files.list", { ingestionId: t.largeIngestionId, limit: 50 })];
  for (let k = 1; k < 200; k++) {
    const cursor = largeFiles[Math.floor((k * largeFiles.length) / 200)];
    if (cursor) largePages.push(query("files.list", { ingestionId: t.largeIngestionId, limit: 50, cursor }));
  }
  return {
    "ingestions.list": cycle(ingestionPages),
    "ingestions.get": cycle(shuffled(t.ingestionIds, 1).map((id) => query("ingestions.get", { id }))),
    "runs.list": interleave([cycle(runPages), cycle(ingestionRuns)]),
    "runs.get": cycle(shuffled(t.runIds, 2).map((id) => query("runs.get", { id }))),
    "files.list": cycle(shuffled(smallIngestions, 4).map((id) => query("files.list", { ingestionId: id, limit: 50 }))),
    "files.list-100k": cycle(largePages),
  };
}

function cases(seed: SeedResult): CaseDef[] {
  const reads = readCases(seed);
  const read = (name: string): CaseDef => ({ name, next: reads[name]!, connections: CONNECTIONS, warmup: true });
  return [
    { name: "health", next: () => ({ method: "GET", path: "/api/health" }), connections: CONNECTIONS, warmup: true },
    read("ingestions.list"),
    read("ingestions.get"),
    read("runs.list"),
    read("runs.get"),
    read("files.list"),
    read("files.list-100k"),
    // Runs in parallel with mixed:reads (see runMixed); each ACTIVE ingestion is triggered at most
    // once, so no trigger meets an active run of its own ingestion (that would be a CONFLICT).
    {
      name: "mixed:runs.trigger",
      next: cycle(seed.main.activeIngestionIds.map((ingestionId) => mutation("runs.trigger", { ingestionId }))),
      amount: seed.main.activeIngestionIds.length,
      connections: TRIGGER_CONNECTIONS,
      warmup: false,
    },
    {
      name: "mixed:reads",
      next: interleave(["ingestions.list", "ingestions.get", "runs.list", "runs.get", "files.list"].map((n) => reads[n]!)),
      connections: CONNECTIONS - TRIGGER_CONNECTIONS,
      warmup: true,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Driving

interface Measured {
  case: string;
  connections: number;
  duration_s: number;
  requests: number;
  rps: number;
  /** null when no request finished within the case's time. */
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  /** Sent but not answered when the case's time was up (their latency is in no percentile). */
  unfinished: number;
  /** How long the oldest of those had waited by then: a lower bound of its latency. */
  unfinished_oldest_ms: number | null;
  errors: number;
  timeouts: number;
  non2xx: number;
  statuses?: Record<string, number>;
  error_samples?: string[];
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The nearest-rank percentile of sorted latencies, rounded to 0.1 ms; null without any. */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);
}

const running = new Set<autocannon.Instance>();

/** Runs autocannon to its end; `instance` is handed over first, for a stop from outside. */
function autocannonRun(options: autocannon.Options, instance: (i: autocannon.Instance) => void): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const i = autocannon(options, (error, result) => {
      running.delete(i);
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(result);
    });
    running.add(i);
    instance(i);
  });
}

/** One autocannon run of a case: `seconds` long (or until `amount` requests), with its own latencies. */
async function drive(server: RunningServer, apiKey: string, def: CaseDef, seconds: number, warmup: boolean): Promise<Measured> {
  const latencies: number[] = [];
  const samples: string[] = [];
  const options = (connections: number, duration: number): autocannon.Options => ({
    url: server.url,
    connections,
    duration,
    ...(def.amount !== undefined ? { amount: def.amount } : {}),
    timeout: 10,
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    requests: [
      {
        setupRequest: (req) => ({ ...req, ...def.next() }),
        onResponse: (status, body) => {
          if ((status < 200 || status >= 300) && samples.length < 3) samples.push(`${status} ${body.slice(0, 300)}`);
        },
      },
    ],
  });
  // A short run at fewer clients first (not measured): code paths, connections and caches warm.
  if (warmup) await autocannonRun(options(Math.min(10, def.connections), warmupSeconds), () => {});
  samples.length = 0;
  if (interrupted) throw new Error("interrupted");
  let timer: NodeJS.Timeout | null = null;
  // Each client sends its next request as soon as an answer arrives: its last answer is when the
  // request still open at the end was sent.
  const lastAnswer = new Map<object, number>();
  const started = performance.now();
  const result = await autocannonRun(options(def.connections, seconds), (instance) => {
    instance.on("response", (client, _status, _bytes, ms) => {
      latencies.push(ms);
      lastAnswer.set(client, performance.now());
    });
    // With `amount`, autocannon ignores the duration: the case is bounded here.
    if (def.amount !== undefined) timer = setTimeout(() => instance.stop(), seconds * 1000);
  });
  const ended = performance.now();
  if (timer) clearTimeout(timer);
  const unfinished = Math.max(0, result.requests.sent - latencies.length - result.errors);
  const oldestSent = lastAnswer.size < def.connections ? started : Math.min(...lastAnswer.values());
  latencies.sort((a, b) => a - b);
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0]));
  const failed = result.non2xx > 0 || result.errors > 0 || latencies.length === 0;
  return {
    case: def.name,
    connections: def.connections,
    duration_s: result.duration,
    requests: latencies.length,
    rps: round(latencies.length / result.duration),
    p50_ms: percentile(latencies, 50),
    p95_ms: percentile(latencies, 95),
    p99_ms: percentile(latencies, 99),
    max_ms: percentile(latencies, 100),
    unfinished,
    unfinished_oldest_ms: unfinished > 0 ? round(ended - oldestSent) : null,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    ...(failed ? { statuses, error_samples: samples } : {}),
  };
}

/** One request of the case before it runs: a wrong request shows its answer at once. */
async function probe(server: RunningServer, apiKey: string, def: CaseDef, req: Req): Promise<void> {
  const res = await fetch(server.url + req.path, {
    method: req.method,
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    ...(req.body ? { body: req.body } : {}),
  });
  if (res.status < 200 || res.status >= 300) {
    log(`[load] ${def.name}: a probe request answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  } else {
    await res.arrayBuffer();
  }
}

// ---------------------------------------------------------------------------------------------
// One database: data directory, seed, server, cases

const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | null = null;
/** Undoes what was set up, last first; a second call while one runs waits for the same. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const fn = cleanups.pop()!;
      await fn().catch((error: unknown) => log(`[load] clean-up: ${(error as Error).message}`));
    }
  })().finally(() => {
    cleaning = null;
  });
  return cleaning;
}

async function seedDatabase(kind: DatabaseKind, dataDir: string, localRoot: string): Promise<{ seed: SeedResult; env: Record<string, string> }> {
  let env: Record<string, string>;
  let database: Database;
  if (kind === "pglite") {
    // PGlite is one process's database: seeded and closed before the server opens it.
    database = await openDatabase({ kind: "pglite", dataDir });
    env = { DATABASE_URL: "" };
  } else {
    const scratch = await createScratchDatabase();
    cleanups.push(scratch.drop);
    database = await openDatabase({ kind: "postgres", url: scratch.url });
    env = { DATABASE_URL: scratch.url };
  }
  try {
    await migrateDatabase(database);
    return { seed: await seedLoadData(database, localRoot), env };
  } finally {
    await database.close();
  }
}

async function runDatabase(kind: DatabaseKind, selected: Set<string> | null): Promise<void> {
  const dataDir = path.join(os.tmpdir(), `autoloader-load-${kind}-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  const localRoot = path.join(dataDir, "files");
  // The ingestions' source: an empty directory, so a triggered run finds no new files.
  mkdirSync(path.join(localRoot, "landing"), { recursive: true });
  if (!values.keep) cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));

  log(`[load] ${kind}: seeding…`);
  const { seed, env } = await seedDatabase(kind, dataDir, localRoot);
  log(
    `[load] ${kind}: seeded ${seed.counts.ingestions} ingestions, ${seed.counts.runs} runs, ${seed.counts.files} files, ` +
      `${seed.counts.attempts} file attempts in ${seed.seconds.toFixed(1)} s`,
  );

  const port = values.port ? Number(values.port) : await freePort();
  const server = await startServer({
    root,
    port,
    logFile: path.join(dataDir, "server.log"),
    profileDir: values.profile ? path.resolve(values.profile, kind) : undefined,
    env: {
      ...env,
      AUTOLOADER_DATA_DIR: dataDir,
      AUTOLOADER_LOCAL_ROOTS: localRoot,
      AUTOLOADER_GRANTS_FILE: "",
      // Runs execute in the server process; no Inngest.
      INNGEST_EVENT_KEY: "",
      INNGEST_SIGNING_KEY: "",
      INNGEST_DEV: "",
      INNGEST_BASE_URL: "",
    },
  });
  cleanups.push(server.stop);
  log(`[load] ${kind}: server ready at ${server.url} (log: ${server.logFile})`);

  const all = cases(seed);
  const wanted = (name: string) => name === "health" || !selected || selected.has(name) || (name.startsWith("mixed:") && selected.has("mixed"));
  let healthP95: number | null = null;
  const print = (m: Measured) => {
    if (m.errors > 0 || m.non2xx > 0) casesWithErrors.push(`${kind} ${m.case}`);
    const ratio = m.case === "health" || !healthP95 || m.p95_ms === null ? null : round(m.p95_ms / healthP95, 2);
    console.log(JSON.stringify({ database: kind, ...m, p95_vs_health: ratio }));
  };
  for (const def of all.filter((c) => wanted(c.name) && !c.name.startsWith("mixed:"))) {
    if (interrupted) return;
    log(`[load] ${kind}: ${def.name} (${def.connections} clients, ${duration} s)…`);
    await probe(server, seed.main.apiKey, def, def.next());
    const m = await drive(server, seed.main.apiKey, def, duration, def.warmup);
    if (def.name === "health") healthP95 = m.p95_ms;
    print(m);
  }
  const mixed = all.filter((c) => wanted(c.name) && c.name.startsWith("mixed:"));
  if (mixed.length > 0 && !interrupted) {
    log(`[load] ${kind}: mixed (${mixed.map((c) => `${c.connections} × ${c.name.slice(6)}`).join(" beside ")}, ${duration} s)…`);
    // The trigger path warmed on the other tenant, whose runs (outside its grants) fail at once.
    for (const id of seed.other.activeIngestionIds.slice(0, 5)) {
      await probe(server, seed.other.apiKey, mixed[0]!, mutation("runs.trigger", { ingestionId: id }));
    }
    const results = await Promise.all(mixed.map((def) => drive(server, seed.main.apiKey, def, duration, false)));
    results.forEach(print);
  }
  const internal = server.tail(400).split("\n").filter((l) => l.includes("[trpc]"));
  if (internal.length > 0) log(`[load] ${kind}: the server logged ${internal.length} internal error(s), e.g.:\n${internal.slice(0, 3).join("\n")}`);
}

// ---------------------------------------------------------------------------------------------

let interrupted = false;
const onSignal = (signal: NodeJS.Signals) => {
  if (interrupted) return;
  interrupted = true;
  log(`[load] ${signal}: stopping the load, the server and the scratch database…`);
  for (const instance of running) instance.stop();
  void cleanUp().finally(() => process.exit(130));
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

/** Cases where a response was not 2xx or a request failed: the run exits 1 after printing them all. */
const casesWithErrors: string[] = [];
let exitCode = 0;
try {
  // Load goes to this machine only: the seeded database's server must be on loopback too.
  if (databases.includes("postgres")) {
    const host = new URL(TEST_POSTGRES_URL).hostname.replace(/^\[|\]$/g, "");
    if (!["127.0.0.1", "localhost", "::1"].includes(host)) {
      console.error(`TEST_POSTGRES_URL must name a PostgreSQL server on this machine (127.0.0.1, localhost or ::1), not '${host}': the load runs on loopback only`);
      process.exit(2);
    }
  }
  if (databases.includes("postgres") && !(await postgresReachable())) {
    throw new Error(`PostgreSQL does not answer at ${TEST_POSTGRES_URL} (set TEST_POSTGRES_URL, or --db pglite)`);
  }
  ensureBuild(root, { rebuild: values.rebuild, log });
  const selected = values.case ? new Set(values.case) : null;
  for (const kind of databases) {
    if (interrupted) break;
    await runDatabase(kind, selected);
    await cleanUp();
  }
  if (casesWithErrors.length > 0) {
    log(`[load] responses that were not 2xx, or failed requests, in: ${casesWithErrors.join(", ")} (see their error_samples)`);
    exitCode = 1;
  }
} catch (error) {
  // After Ctrl-C a request may fail as the server stops: that is no error of the run.
  if (!interrupted) log(`[load] ${(error as Error).stack ?? String(error)}`);
  exitCode = 1;
} finally {
  await cleanUp();
}
process.exit(interrupted ? 130 : exitCode);
