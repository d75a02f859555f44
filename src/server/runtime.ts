// The process-wide runtime: configuration, the open database (migrated), and the service
// dependencies built on them. Opened once per process, at server start (instrumentation.ts).
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { loadConfig, type AppConfig } from "@/env";
import { migrateDatabase, openDatabase, type Database } from "@/server/db/database";
import { analyzeAll, refreshStatisticsPeriodically } from "@/server/db/statistics";
import type { LegacyDestinations } from "@/server/engine/destinations/ledger";
import { Warehouse } from "@/server/engine/destinations/duckdb/warehouse";
import { createDirectExecutor, type DirectExecutor } from "@/server/runs/executors/direct";
import { DEFAULT_RUN_SETTINGS } from "@/server/runs/run-deps";
import { startWaitingRuns } from "@/server/runs/run-slots";
import { consoleLogger, type Logger, type ServiceDeps } from "@/server/deps";
import { expireRunsAtStart } from "@/server/runs/stopped-run";
import { createSourceFactory } from "@/server/sources/source-factory";
import { createInngestClient, inngestConfigured } from "@/server/inngest/client";
import { createInngestLauncher } from "@/server/runs/launcher";
import type { Inngest } from "inngest";
import { bootstrapDefaultTenant, ensureDefaultConnection } from "@/server/services/auth/tenants";
import type { SecretBox } from "@/server/secrets/secret-box";
import { openSecrets } from "@/server/secrets/open-secrets";
import { processExists } from "@/server/supervisor";
import { protectDataFiles } from "@/server/data-files";

export interface Runtime {
  config: AppConfig;
  database: Database;
  deps: ServiceDeps;
  executor: DirectExecutor;
  /** The Inngest client when Inngest is configured (runs and the scheduler go there). */
  inngest: Inngest | null;
  sessionSecret: string;
  close(): Promise<void>;
}

const LOCK_FILE = "pglite.lock";

/**
 * PGlite is one process's database: a second process opening the same directory would corrupt
 * it. A pid file makes the second one stop with a clear message instead.
 */
export async function lockEmbeddedDatabase(dataDir: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, LOCK_FILE);
  const holder = Number.parseInt(await readFile(file, "utf8").catch(() => ""), 10);
  if (Number.isInteger(holder) && holder !== process.pid && processExists(holder)) {
    throw new Error(
      `The embedded database in ${dataDir} is in use by process ${holder} (a running Autoloader server?). ` +
        "Stop that process first, or use the dashboard's API keys page while it runs.",
    );
  }
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, String(process.pid));
  return async () => {
    const now = await readFile(file, "utf8").catch(() => "");
    if (now === String(process.pid)) await rm(file, { force: true });
  };
}

async function loadSessionSecret(config: AppConfig): Promise<string> {
  if (config.sessionSecret) return config.sessionSecret;
  const file = path.join(config.dataDir, "session-secret");
  const existing = (await readFile(file, "utf8").catch(() => "")).trim();
  if (existing.length >= 32) return existing;
  const secret = randomBytes(48).toString("base64url");
  await mkdir(config.dataDir, { recursive: true });
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

export async function openRuntime(
  config: AppConfig = loadConfig(),
  log: Logger = consoleLogger,
  options: { bootstrap?: boolean } = {},
): Promise<Runtime> {
  // Owner-only data files (0600/0700), before anything is created or opened.
  await protectDataFiles(config);
  const unlock = config.databaseUrl ? async () => {} : await lockEmbeddedDatabase(config.dataDir);
  let database: Database;
  try {
    database = await openDatabase(
      config.databaseUrl ? { kind: "postgres", url: config.databaseUrl } : { kind: "pglite", dataDir: config.dataDir },
    );
  } catch (error) {
    await unlock();
    throw error;
  }
  const { applied } = await migrateDatabase(database);
  // PGlite lays out a new database with its archive's modes (0666): tightened once it exists.
  if (!config.databaseUrl) await protectDataFiles(config);
  if (applied.length > 0) log.info(`[db] applied migrations: ${applied.join(", ")}`);
  // PGlite runs no autovacuum: its tables are sampled now and hourly (server/db/statistics.ts).
  const statistics = database.kind === "pglite" ? (await analyzeAll(database.prisma, log), refreshStatisticsPeriodically(database.prisma, log)) : null;
  log.info(`[db] ${database.kind === "pglite" ? "embedded PGlite at" : "PostgreSQL"} ${database.location}`);
  await mkdir(config.localRoots[0] ?? config.dataDir, { recursive: true }).catch(() => undefined);
  // Connection secrets: refuses to start when stored ones cannot be decrypted with the key given.
  let secrets: SecretBox | null;
  try {
    secrets = await openSecrets(
      database.prisma,
      { key: config.secrets.key, previous: config.secrets.previous, dataDir: config.dataDir, generate: !config.databaseUrl },
      log,
    );
  } catch (error) {
    await statistics?.stop();
    await database.close();
    await unlock();
    throw error;
  }
  const sources = createSourceFactory(database.prisma, { grants: config.grants, secrets });
  const warehouse = new Warehouse(config.warehouseDir, {
    memoryLimit: config.engine.memoryLimit,
    threads: config.engine.threads,
    // A first-version ledger did not record tables: its rows belong to each ingestion's table.
    legacyDestinations: async (tenantKey) => {
      const ingestions = await database.prisma.ingestion.findMany({
        where: { tenant: { slug: tenantKey } },
        select: { id: true, destinationSchema: true, destinationTable: true, sourceUri: true },
      });
      const known: LegacyDestinations = new Map();
      for (const i of ingestions) {
        // What the source's uriOf("") answers: its location as a directory.
        const uriPrefix = i.sourceUri.endsWith("/") ? i.sourceUri : `${i.sourceUri}/`;
        known.set(i.id, { schema: i.destinationSchema, table: i.destinationTable, uriPrefix });
      }
      return known;
    },
  });
  const executor = createDirectExecutor(() => deps);
  const inngest = inngestConfigured(config.inngest) ? createInngestClient(config.inngest) : null;
  const deps: ServiceDeps = {
    db: database.prisma,
    clock: () => new Date(),
    log,
    config: {
      localRoots: config.localRoots,
      grants: config.grants,
      secrets,
      sessionTtlHours: config.sessionTtlHours,
      preview: config.preview,
      cost: { prices: config.prices, calibrationFile: path.join(config.dataDir, "calibration.json") },
      runLimits: config.runLimits,
    },
    engine: {
      warehouse,
      sources,
      settings: { ...DEFAULT_RUN_SETTINGS, stagingDir: config.stagingDir, maxFileRetries: config.maxFileRetries },
    },
    runs: executor,
  };
  if (inngest) {
    deps.runs = createInngestLauncher({
      inngest,
      fallback: executor,
      db: deps.db,
      log,
      timeoutMs: config.inngest.sendTimeoutMs,
    });
    log.info(`[orchestrator] Inngest${config.inngest.dev ? " dev server" : ""} at ${config.inngest.baseUrl ?? "its default URL"}`);
  } else {
    log.info("[orchestrator] Inngest is not configured: runs and schedules execute in this process");
  }
  // The embedded database has one process (the lock above), so any run still active belongs to a
  // process that is gone: it is ended now, not after the heartbeat timeout, keeping its real last
  // heartbeat. On PostgreSQL only runs whose heartbeat stopped are.
  await expireRunsAtStart(deps, database.kind);
  // Runs that were waiting for a slot when the last process stopped start now, as slots allow.
  const resumed = await startWaitingRuns(deps);
  if (resumed.length > 0) log.info(`[runs] started ${resumed.length} run(s) that were waiting for a slot`);
  const admin = options.bootstrap === false ? null : await bootstrapDefaultTenant(deps, config.dataDir);
  if (options.bootstrap !== false) await ensureDefaultConnection(deps);
  if (admin) {
    log.info(
      [
        "",
        "  First start: created tenant 'default' and an admin API key (shown once):",
        `    ${admin.key}`,
        `  It is also saved in ${admin.file} (mode 600). Use it to sign in to the dashboard.`,
        "",
      ].join("\n"),
    );
  }
  const sessionSecret = await loadSessionSecret(config);
  let closed = false;
  return {
    config,
    database,
    deps,
    executor,
    inngest,
    sessionSecret,
    async close() {
      if (closed) return;
      closed = true;
      await statistics?.stop();
      await warehouse.close();
      await database.close();
      await unlock();
    },
  };
}

const holder = globalThis as unknown as { __autoloaderRuntime?: Promise<Runtime> };

/** The runtime of this server process, opened on first use. */
export function getRuntime(): Promise<Runtime> {
  holder.__autoloaderRuntime ??= openRuntime().catch((error: unknown) => {
    holder.__autoloaderRuntime = undefined;
    throw error;
  });
  return holder.__autoloaderRuntime;
}

export async function closeRuntime(): Promise<void> {
  const runtime = holder.__autoloaderRuntime;
  holder.__autoloaderRuntime = undefined;
  if (runtime) await (await runtime).close();
}
