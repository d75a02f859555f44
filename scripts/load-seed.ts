// The data `npm run load` measures against: one tenant with 1,000 ingestions, 10,000 runs and
// 200,000 file records (one ingestion holds half of them, as after a large backfill), a second
// tenant with a little of each, and an API key for each, in a database the app's migrations made.
// Tenants, connections and keys go through Prisma; the bulk in one JSON-expanding INSERT per
// chunk, with the ids (UUIDv7) and timestamps the app itself would have written.
import type { Prisma } from "../src/generated/prisma/client";
import type { Database } from "../src/server/db/database";
import type { SqlRunner } from "../src/server/db/sql-runner";
import { uuid7 } from "../src/server/db/uuid7";
import { generateApiKey } from "../src/server/services/auth/api-key-secret";

export interface SeedSize {
  ingestions: number;
  runsPerIngestion: number;
  files: number;
  /** Of `files`, how many belong to the one large ingestion. */
  largeIngestionFiles: number;
}

export const MAIN_TENANT: SeedSize = { ingestions: 1_000, runsPerIngestion: 10, files: 200_000, largeIngestionFiles: 100_100 };
const OTHER_TENANT: SeedSize = { ingestions: 20, runsPerIngestion: 10, files: 1_000, largeIngestionFiles: 50 };

export interface SeededTenant {
  slug: string;
  /** An EDITOR key (reads and runs.trigger). */
  apiKey: string;
  /** Newest first, as ingestions.list orders them. */
  ingestionIds: string[];
  /** ACTIVE ones, the ones runs.trigger may start. */
  activeIngestionIds: string[];
  /** The ingestion holding `largeIngestionFiles` files. */
  largeIngestionId: string;
  /** Newest first, as runs.list orders them. */
  runIds: string[];
  /** File ids of the large ingestion in path order (files.list's order): cursors for its pages. */
  largeIngestionFileIds: string[];
}

export interface SeedResult {
  main: SeededTenant;
  other: SeededTenant;
  counts: { ingestions: number; runs: number; files: number; attempts: number };
  seconds: number;
}

/** Rows per INSERT. */
const CHUNK = 10_000;

const DAY = 86_400_000;

/**
 * Inserts rows in chunks, each one statement with one JSON parameter that PostgreSQL expands
 * (json_populate_recordset): the COPY-like path, about ten times faster on PGlite than
 * createMany's bound parameters. Columns are the rows' keys; the others take their defaults.
 */
async function bulkInsert(sql: SqlRunner, table: string, rows: object[]): Promise<void> {
  const json = (_key: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value);
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const columns = [...new Set(chunk.flatMap((r) => Object.keys(r)))].map((c) => `"${c}"`).join(", ");
    await sql.query(
      `INSERT INTO "${table}" (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::"${table}", $1::json)`,
      [JSON.stringify(chunk, json)],
    );
  }
}

/** A tenant's rows, built in memory, then inserted table by table (parents first). */
async function seedTenant(
  { prisma: db, sql }: Database,
  slug: string,
  size: SeedSize,
  localRoot: string,
  now: number,
): Promise<{ tenant: SeededTenant; counts: SeedResult["counts"] }> {
  const tenant = await db.tenant.create({ data: { slug, name: slug }, select: { id: true } });
  const connection = await db.connection.create({
    data: { tenantId: tenant.id, name: "files", type: "LOCAL", localPath: localRoot, description: "load test" },
    select: { id: true },
  });
  const secret = generateApiKey();
  await db.apiKey.create({
    data: { tenantId: tenant.id, name: "load test", prefix: secret.prefix, hash: secret.hash, role: "EDITOR" },
  });

  // Created over the last 60 days, one a minute apart at most; runs over the last 30 days.
  const start = now - 60 * DAY;
  const ingestions: Prisma.IngestionCreateManyInput[] = [];
  const frequencies = ["HOURLY", "DAILY", "WEEKLY", "CUSTOM", null] as const;
  for (let i = 0; i < size.ingestions; i++) {
    const createdAt = new Date(start + i * 60_000);
    const frequency = frequencies[i % frequencies.length] ?? null;
    const n = String(i).padStart(4, "0");
    ingestions.push({
      id: uuid7(createdAt.getTime()),
      tenantId: tenant.id,
      name: `events-${n}`,
      description: i % 3 === 0 ? `Events of source ${n}` : null,
      // One in ten paused, so the status filter has something to filter.
      status: i % 10 === 7 ? "PAUSED" : "ACTIVE",
      sourceType: "LOCAL",
      connectionId: connection.id,
      sourcePath: "landing",
      sourceUri: `${localRoot}/landing`,
      sourceGlob: "**/*.jsonl",
      format: "JSON",
      formatOptions: { layout: "NEWLINE_DELIMITED", compression: "AUTO" },
      destinationSchema: "raw",
      destinationTable: `events_${n}`,
      partitionColumns: i % 4 === 0 ? ["day"] : [],
      schemaHints: i % 5 === 0 ? { amount: "DECIMAL(18,2)" } : {},
      scheduleFrequency: frequency,
      scheduleTime: frequency === "DAILY" || frequency === "WEEKLY" ? "06:30" : null,
      scheduleWeekday: frequency === "WEEKLY" ? 1 : null,
      scheduleCron: frequency === "CUSTOM" ? "*/15 * * * *" : null,
      scheduleTimezone: i % 2 === 0 ? "UTC" : "Europe/Berlin",
      // Not due during the measurement: the scheduler must not start runs of its own.
      nextRunAt: frequency ? new Date(now + 7 * DAY) : null,
      maxFilesPerRun: i % 6 === 0 ? 5_000 : null,
      alertRecipients: i % 8 === 0 ? ["data-team@example.com"] : [],
      createdAt,
      updatedAt: createdAt,
    });
  }

  // Runs interleave the ingestions in time, so a tenant-wide page holds many of them.
  const runStatuses = ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "PARTIAL", "FAILED", "NO_NEW_FILES"] as const;
  const runs: (Prisma.RunCreateManyInput & { id: string; queuedAt: Date; finishedAt: Date })[] = [];
  const runsOf: (typeof runs)[] = ingestions.map(() => []);
  const totalRuns = size.ingestions * size.runsPerIngestion;
  const runSpan = 30 * DAY;
  for (let r = 0; r < size.runsPerIngestion; r++) {
    for (let i = 0; i < size.ingestions; i++) {
      const k = r * size.ingestions + i;
      const queuedAt = new Date(now - runSpan + Math.floor((k * (runSpan - DAY)) / totalRuns));
      const durationMs = 2_000 + ((k * 7919) % 60_000);
      const status = runStatuses[k % runStatuses.length] ?? "SUCCEEDED";
      const run = {
        id: uuid7(queuedAt.getTime()),
        ingestionId: ingestions[i]!.id!,
        status,
        trigger: k % 4 === 0 ? ("MANUAL" as const) : ("SCHEDULE" as const),
        method: "DIRECT" as const,
        currentStep: null,
        filesDiscovered: 0,
        filesLoaded: 0,
        filesFailed: 0,
        rowsLoaded: BigInt(0),
        bytesLoaded: BigInt(0),
        durationMs,
        estimatedDurationMs: durationMs + 500,
        estimatedBytes: BigInt(1_000_000 + k),
        error: status === "FAILED" ? "Binder Error: column \"amount\" has type VARCHAR, expected DOUBLE" : null,
        queuedAt,
        startedAt: new Date(queuedAt.getTime() + 50),
        finishedAt: new Date(queuedAt.getTime() + 50 + durationMs),
        createdAt: queuedAt,
        updatedAt: new Date(queuedAt.getTime() + 50 + durationMs),
      };
      runs.push(run);
      runsOf[i]!.push(run);
    }
  }

  // Files: the first ingestion created holds the large share; the others split the rest.
  const files: Prisma.ProcessedFileCreateManyInput[] = [];
  const attempts: Prisma.FileAttemptCreateManyInput[] = [];
  const perRun = new Map<string, { loaded: number; failed: number; rows: number; bytes: number }>();
  const largeIndex = 0;
  const rest = size.files - size.largeIngestionFiles;
  const others = Math.max(1, size.ingestions - 1);
  for (let i = 0; i < size.ingestions; i++) {
    const count = i === largeIndex ? size.largeIngestionFiles : Math.floor(rest / others) + (i <= rest % others ? 1 : 0);
    const own = runsOf[i]!;
    for (let f = 0; f < count; f++) {
      const run = own[Math.floor((f * own.length) / count)]!;
      const failed = f % 50 === 49;
      const skipped = !failed && f % 200 === 101;
      const status = failed ? ("FAILED" as const) : skipped ? ("SKIPPED" as const) : ("SUCCESS" as const);
      const rowCount = failed ? null : 100 + (f % 900);
      const bytes = 2_000 + ((f * 131) % 100_000);
      const lastModified = new Date(run.queuedAt.getTime() - 60_000 - (f % 1000));
      const day = new Date(run.queuedAt.getTime()).toISOString().slice(0, 10).replaceAll("-", "/");
      const id = uuid7(run.queuedAt.getTime());
      files.push({
        id,
        ingestionId: ingestions[i]!.id!,
        path: `landing/${day}/part-${String(f).padStart(6, "0")}.jsonl`,
        size: BigInt(bytes),
        etag: `"${(f * 2654435761).toString(16).slice(0, 16)}"`,
        lastModified,
        status,
        rowCount: rowCount === null ? null : BigInt(rowCount),
        retryCount: failed ? 1 : 0,
        error: failed ? "Invalid Input Error: Malformed JSON at line 3" : skipped ? "Empty file" : null,
        failureKind: failed ? "DATA" : null,
        runId: run.id,
        loadedAt: status === "SUCCESS" ? run.finishedAt : null,
        createdAt: run.queuedAt,
        updatedAt: run.finishedAt,
      });
      if (!skipped) {
        attempts.push({
          id: uuid7(run.finishedAt.getTime()),
          fileId: id,
          runId: run.id,
          outcome: status,
          rowCount: rowCount === null ? null : BigInt(rowCount),
          error: failed ? "Invalid Input Error: Malformed JSON at line 3" : null,
          createdAt: run.finishedAt,
        });
      }
      const m = perRun.get(run.id) ?? { loaded: 0, failed: 0, rows: 0, bytes: 0 };
      if (failed) m.failed++;
      else if (!skipped) {
        m.loaded++;
        m.rows += rowCount ?? 0;
        m.bytes += bytes;
      }
      perRun.set(run.id, m);
    }
  }
  for (const run of runs) {
    const m = perRun.get(run.id);
    if (!m) continue;
    Object.assign(run, {
      filesDiscovered: m.loaded + m.failed,
      filesLoaded: m.loaded,
      filesFailed: m.failed,
      rowsLoaded: BigInt(m.rows),
      bytesLoaded: BigInt(m.bytes),
    });
  }
  // Each ingestion's last run is its lastRun*.
  for (let i = 0; i < size.ingestions; i++) {
    const last = runsOf[i]!.at(-1);
    if (last) Object.assign(ingestions[i]!, { lastRunAt: last.finishedAt, lastRunStatus: last.status });
  }
  const schemaVersions: Prisma.SchemaVersionCreateManyInput[] = ingestions.map((ing, i) => ({
    id: uuid7(runsOf[i]![0]?.finishedAt.getTime()),
    ingestionId: ing.id!,
    version: 1,
    columns: [
      { name: "id", type: "BIGINT" },
      { name: "amount", type: i % 5 === 0 ? "DECIMAL(18,2)" : "DOUBLE" },
      { name: "ts", type: "TIMESTAMP" },
    ],
    diff: { added: ["id", "amount", "ts"], removed: [], typeChanged: [] },
    runId: runsOf[i]![0]?.id ?? null,
  }));

  await bulkInsert(sql, "Ingestion", ingestions);
  await bulkInsert(sql, "Run", runs);
  await bulkInsert(sql, "SchemaVersion", schemaVersions);
  await bulkInsert(sql, "ProcessedFile", files);
  await bulkInsert(sql, "FileAttempt", attempts);

  const newestFirst = <T extends { id?: string }>(rows: T[]) => rows.map((r) => r.id!).sort().reverse();
  const largeId = ingestions[largeIndex]!.id;
  const largeFiles = files.filter((f) => f.ingestionId === largeId).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    tenant: {
      slug,
      apiKey: secret.key,
      ingestionIds: newestFirst(ingestions),
      activeIngestionIds: ingestions.filter((i) => i.status === "ACTIVE").map((i) => i.id!),
      largeIngestionId: ingestions[largeIndex]!.id!,
      runIds: newestFirst(runs),
      largeIngestionFileIds: largeFiles.map((f) => f.id!),
    },
    counts: { ingestions: ingestions.length, runs: runs.length, files: files.length, attempts: attempts.length },
  };
}

/** Seeds a migrated, empty database. `localRoot` is the directory the tenants' connection points at. */
export async function seedLoadData(database: Database, localRoot: string): Promise<SeedResult> {
  const started = performance.now();
  const now = Date.now();
  const main = await seedTenant(database, "default", MAIN_TENANT, localRoot, now);
  const other = await seedTenant(database, "other", OTHER_TENANT, localRoot, now);
  // Fresh statistics, as autovacuum would have them on a database that grew to this size.
  await database.sql.query("ANALYZE");
  const sum = (k: keyof SeedResult["counts"]) => main.counts[k] + other.counts[k];
  return {
    main: main.tenant,
    other: other.tenant,
    counts: { ingestions: sum("ingestions"), runs: sum("runs"), files: sum("files"), attempts: sum("attempts") },
    seconds: (performance.now() - started) / 1000,
  };
}
