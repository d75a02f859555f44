// The planner's statistics on the embedded database. PGlite runs no autovacuum, so nothing else
// tells its planner how big the tables have grown: without a sample, a tenant-wide runs.list
// took 37 ms of SQL instead of 0.4 ms, and a run's held files became a nested loop (issue 12).
// The server samples every table when it starts, after a claim of many files
// (runs/file-state.ts refreshFileStatistics) and, for a server that runs for weeks on many
// small runs, once an hour.
import type { Db } from "./database";
import type { Logger } from "@/server/deps";

/** How often a long-running embedded server samples its tables. */
export const ANALYZE_EVERY_MS = 60 * 60_000;

/** One sample of `tables` (none: every table). */
export async function analyzeTables(db: Db, tables: readonly string[] = []): Promise<void> {
  // SKIP_LOCKED: a table being vacuumed or sampled by another claim is sampled next time rather than waited for.
  await db.$executeRawUnsafe(`ANALYZE (SKIP_LOCKED) ${tables.map((t) => `"${t}"`).join(", ")}`);
}

/** analyzeTables, a failure logged, never thrown (the statistics are a hint). */
export async function analyzeAll(db: Db, log: Pick<Logger, "warn">, tables: readonly string[] = []): Promise<void> {
  await analyzeTables(db, tables).catch((error: unknown) => log.warn(`[db] could not refresh the planner's statistics: ${(error as Error).message}`));
}

/**
 * The tables that grow with use, sampled hourly: each sample holds PGlite's one connection, so
 * the small tables (tenants, keys, connections) keep their sample from the start.
 */
export const GROWING_TABLES = ["ProcessedFile", "FileAttempt", "Run", "Ingestion", "IngestionFileCount", "AuditEvent"] as const;

/**
 * Samples the growing tables every `everyMs` until stopped (the timer does not keep the process
 * alive); `stop` resolves once a sample under way has ended, so the database can close after it.
 */
export function refreshStatisticsPeriodically(db: Db, log: Pick<Logger, "warn">, everyMs = ANALYZE_EVERY_MS): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    running ??= analyzeAll(db, log, GROWING_TABLES).finally(() => (running = null));
  }, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
