// The discovery cases of `npm run bench` (issue 12): the discover step over a prefix whose file
// history is huge, with few new files, against the same source's listing alone in the same run.
//
// `--case discover-1m-local`: 1,000,000 files already in the history and 1,000 new ones, in a
// local directory of date partitions (dt=YYYY-MM-DD/part-NNNN.jsonl, 1,000 a day; the new ones
// are the next day). `--case discover-100k-s3`: 100,000 + 1,000 objects of the same layout on
// the S3-compatible test server (s3rver). --quick divides the known files by ten. Each runs on
// PostgreSQL (when TEST_POSTGRES_URL answers) and on PGlite, or on the one `--db` names.
//
// The history is written with one INSERT … SELECT generate_series (not through the pipeline), as
// loaded files (SUCCESS). Each measurement is a child process of its own, so its peak RSS is its
// own: the listing alone (full, and after the last known path), the discover step with a FULL
// listing, and with an ORDERED one whose high-water path is the last known file. One JSON line
// per case and database: seconds, LIST requests, peak RSS, and the full discover step's time over
// the listing's (the target: at most 2).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { ServiceDeps } from "../src/server/deps";
import type { Source } from "../src/server/sources/source";
import { median } from "./bench-median";

export const DISCOVERY_CASES = ["discover-1m-local", "discover-100k-s3"] as const;
type DiscoveryCase = (typeof DISCOVERY_CASES)[number];
type Database = "postgres" | "pglite";
type Phase = "setup" | "list" | "list-after" | "discover-full" | "discover-ordered";

export function isDiscoveryCase(name: string | undefined): name is DiscoveryCase {
  return (DISCOVERY_CASES as readonly string[]).includes(name ?? "");
}

const FILES_PER_DAY = 1_000;
const NEW_FILES = 1_000;
const DAY_MS = 86_400_000;
const FIRST_DAY = Date.UTC(2024, 0, 1);

function sizes(name: DiscoveryCase, quick: boolean): { known: number; fresh: number } {
  const known = name === "discover-1m-local" ? 1_000_000 : 100_000;
  return { known: quick ? known / 10 : known, fresh: NEW_FILES };
}

/** The i-th file of the layout: the same text as the history's INSERT makes. */
function pathOf(i: number): string {
  const day = new Date(FIRST_DAY + Math.floor(i / FILES_PER_DAY) * DAY_MS).toISOString().slice(0, 10);
  return `dt=${day}/part-${String(i % FILES_PER_DAY).padStart(4, "0")}.jsonl`;
}

const BODY = (i: number) => `{"id":${i}}\n`;

// ---- the parent ----

/** Runs one discovery case on each database, printing one JSON line each. */
export async function runDiscoveryCase(name: DiscoveryCase, opts: { quick: boolean; db?: string | undefined }): Promise<void> {
  const { known, fresh } = sizes(name, opts.quick);
  const root = path.join(os.tmpdir(), `autoloader-bench-discovery-${opts.quick ? "quick" : "full"}`);
  mkdirSync(root, { recursive: true });
  const { postgresReachable } = await import("../src/test/postgres");
  const databases: Database[] = opts.db === "postgres" || opts.db === "pglite" ? [opts.db] : ["postgres", "pglite"];

  let source: { kind: "local"; dir: string } | { kind: "s3"; endpoint: string; bucket: string };
  let stop: () => Promise<void> = async () => {};
  if (name === "discover-1m-local") {
    const dir = path.join(root, `local-${known + fresh}`);
    const done = path.join(root, `.local-${known + fresh}.done`);
    if (!existsSync(done)) {
      process.stderr.write(`[bench] writing ${known + fresh} files in ${dir}…\n`);
      rmSync(dir, { recursive: true, force: true });
      for (let i = 0; i < known + fresh; i++) {
        if (i % FILES_PER_DAY === 0) mkdirSync(path.join(dir, path.dirname(pathOf(i))), { recursive: true });
        writeFileSync(path.join(dir, pathOf(i)), BODY(i));
      }
      writeFileSync(done, "");
    }
    source = { kind: "local", dir };
  } else {
    const { startS3Server } = await import("../src/test/s3-server");
    const s3 = await startS3Server();
    stop = () => s3.stop();
    const bucket = "landing";
    await s3.createBucket(bucket);
    process.stderr.write(`[bench] seeding ${known + fresh} objects into s3rver…\n`);
    for (let i = 0; i < known + fresh; i += 10_000) {
      const objects: Record<string, string> = {};
      for (let j = i; j < Math.min(i + 10_000, known + fresh); j++) objects[pathOf(j)] = BODY(j);
      await s3.seed(bucket, objects);
    }
    source = { kind: "s3", endpoint: s3.endpoint, bucket };
  }

  try {
    for (const database of databases) {
      if (database === "postgres" && !(await postgresReachable())) {
        console.log(JSON.stringify({ case: name, database, skipped: "no PostgreSQL server answers at TEST_POSTGRES_URL" }));
        continue;
      }
      let scratch: { url: string; drop: () => Promise<void> } | null = null;
      const pgliteDir = path.join(root, `meta-${process.pid}`);
      if (database === "postgres") scratch = await (await import("../src/test/postgres")).createScratchDatabase();
      else rmSync(pgliteDir, { recursive: true, force: true });
      const target: ChildTarget = { database, url: scratch?.url ?? null, pgliteDir, source, known, fresh };
      try {
        const setup = child<{ ingestionId: string; connectionId: string; historySeconds: number }>("setup", target, {});
        const ids = { ingestionId: setup.ingestionId, connectionId: setup.connectionId };
        // This machine's speed wanders: the listing and the full discover step alternate, three
        // times each, and the medians are compared.
        const lists: Measured[] = [];
        const fulls: Measured[] = [];
        for (let i = 0; i < REPEAT; i++) {
          lists.push(child<Measured>("list", target, ids));
          fulls.push(child<Measured>("discover-full", target, ids));
        }
        const list = median(lists);
        const full = median(fulls);
        const listAfter = child<Measured>("list-after", target, ids);
        const ordered = child<Measured>("discover-ordered", target, ids);
        const round = (x: number, d = 2) => Number(x.toFixed(d));
        console.log(
          JSON.stringify({
            case: name,
            database,
            known_files: known,
            new_files: fresh,
            history_insert_s: round(setup.historySeconds, 1),
            list_s: round(list.seconds),
            list_s_all: lists.map((m) => round(m.seconds)),
            discover_full_s_all: fulls.map((m) => round(m.seconds)),
            list_requests: list.requests,
            list_peak_rss_mb: Math.round(list.peakRssMb),
            discover_full_s: round(full.seconds),
            discover_full_requests: full.requests,
            discover_full_registered: full.registered,
            discover_full_peak_rss_mb: Math.round(full.peakRssMb),
            discover_full_rss_before_mb: Math.round(full.rssBeforeMb),
            discover_full_over_list: round(full.seconds / list.seconds),
            list_after_s: round(listAfter.seconds, 3),
            list_after_requests: listAfter.requests,
            discover_ordered_s: round(ordered.seconds, 3),
            discover_ordered_requests: ordered.requests,
            discover_ordered_registered: ordered.registered,
            discover_ordered_peak_rss_mb: Math.round(ordered.peakRssMb),
            discover_ordered_over_list_after: round(ordered.seconds / listAfter.seconds),
          }),
        );
      } finally {
        await scratch?.drop();
        rmSync(pgliteDir, { recursive: true, force: true });
      }
    }
  } finally {
    await stop();
  }
}

interface ChildTarget {
  database: Database;
  url: string | null;
  pgliteDir: string;
  source: { kind: "local"; dir: string } | { kind: "s3"; endpoint: string; bucket: string };
  known: number;
  fresh: number;
}

interface Measured {
  seconds: number;
  requests: number;
  registered: number;
  peakRssMb: number;
  rssBeforeMb: number;
}

const REPEAT = 3;

function child<T>(phase: Phase, target: ChildTarget, ids: { ingestionId?: string; connectionId?: string }): T {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, path.join(import.meta.dirname, "bench-discovery.ts"), "--phase", phase, "--target", JSON.stringify({ ...target, ...ids })],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 16 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`discovery bench child ${phase} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as T;
}

// ---- a child: one phase in a process of its own ----

async function childMain(phase: Phase, target: ChildTarget & { ingestionId?: string; connectionId?: string }) {
  const { openDatabase, migrateDatabase } = await import("../src/server/db/database");
  const { listAll, newTally } = await import("../src/server/sources/listing");
  const { discoverFiles } = await import("../src/server/runs/steps/discover");
  const database = await openDatabase(target.url ? { kind: "postgres", url: target.url } : { kind: "pglite", dataDir: target.pgliteDir });
  const db = database.prisma;
  const lastKnown = pathOf(target.known - 1);
  try {
    if (phase === "setup") {
      await migrateDatabase(database);
      const tenant = await db.tenant.create({ data: { slug: "bench", name: "bench" } });
      const location = target.source.kind === "local" ? target.source.dir : `s3://${target.source.bucket}/`;
      const connection = await db.connection.create({ data: { tenantId: tenant.id, name: "case", type: "LOCAL", localPath: location } });
      const ingestion = await db.ingestion.create({
        data: {
          tenantId: tenant.id,
          name: "discovery",
          sourceType: target.source.kind === "local" ? "LOCAL" : "S3",
          connectionId: connection.id,
          sourceUri: location,
          format: "JSON",
          destinationSchema: "bench",
          destinationTable: "discovery",
        },
      });
      const started = performance.now();
      // The history as loaded files: paths of pathOf's layout, in one statement.
      await db.$executeRaw`
        INSERT INTO "ProcessedFile" (id, "ingestionId", path, size, etag, "lastModified", status, "rowCount", "loadedAt", "createdAt", "updatedAt")
        SELECT gen_random_uuid()::text, ${ingestion.id},
               format('dt=%s/part-%s.jsonl', to_char(date '2024-01-01' + (i / ${FILES_PER_DAY}), 'YYYY-MM-DD'), lpad((i % ${FILES_PER_DAY})::text, 4, '0')),
               12, NULL, now(), 'SUCCESS', 1, now(), now(), now()
        FROM generate_series(0, ${target.known - 1}) AS i`;
      await db.$executeRawUnsafe(`ANALYZE "ProcessedFile"`);
      const historySeconds = (performance.now() - started) / 1000;
      const check = await db.processedFile.findFirst({ where: { ingestionId: ingestion.id, path: lastKnown }, select: { id: true } });
      if (!check) throw new Error(`the history's paths do not match the layout's (${lastKnown} missing)`);
      console.log(JSON.stringify({ ingestionId: ingestion.id, connectionId: connection.id, historySeconds }));
      return;
    }

    const source = await sourceOf(target);
    const ingestionId = target.ingestionId ?? "";
    const rssBeforeMb = process.memoryUsage().rss / 1048576;
    const tally = newTally();
    let registered = 0;
    const started = performance.now();
    if (phase === "list" || phase === "list-after") {
      for await (const page of listAll(source, undefined, { startAfter: phase === "list-after" ? lastKnown : null, tally })) registered += page.length;
    } else {
      // Each discover phase starts from the history alone: the new files unknown.
      await db.processedFile.deleteMany({ where: { ingestionId, path: { gt: lastKnown } } });
      await db.ingestion.update({
        where: { id: ingestionId },
        data:
          phase === "discover-full"
            ? { listingMode: "FULL", listingHighWaterPath: null, lastFullListingAt: null }
            : { listingMode: "ORDERED", listingHighWaterPath: lastKnown, lastFullListingAt: new Date() },
      });
      const run = await db.run.create({ data: { ingestionId, status: "RUNNING", trigger: "MANUAL" }, select: { id: true } });
      const deps = {
        db,
        clock: () => new Date(),
        log: { info: () => {}, warn: (m: string) => console.error(m), error: (m: string) => console.error(m) },
        engine: { sources: async () => source },
      } as unknown as ServiceDeps;
      const begun = performance.now();
      const r = await discoverFiles(deps, { runId: run.id, ingestionId, tenantKey: "bench" });
      const seconds = (performance.now() - begun) / 1000;
      await db.run.update({ where: { id: run.id }, data: { status: "SUCCEEDED" } });
      if (r.registered !== target.fresh) throw new Error(`${phase} registered ${r.registered} files, not the ${target.fresh} new ones`);
      console.log(JSON.stringify({ seconds, requests: r.listRequests, registered: r.registered, peakRssMb: process.resourceUsage().maxRSS / 1024, rssBeforeMb } satisfies Measured));
      return;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(JSON.stringify({ seconds, requests: tally.requests, registered, peakRssMb: process.resourceUsage().maxRSS / 1024, rssBeforeMb } satisfies Measured));
  } finally {
    await database.close();
  }
}

async function sourceOf(target: ChildTarget): Promise<Source> {
  if (target.source.kind === "local") {
    const { LocalSource } = await import("../src/server/sources/local-source");
    return new LocalSource(target.source.dir, [target.source.dir]);
  }
  const { S3Source } = await import("../src/server/sources/s3-source");
  const { S3RVER_CREDENTIALS } = await import("../src/test/s3-server");
  return new S3Source({ bucket: target.source.bucket, prefix: "", endpoint: target.source.endpoint, forcePathStyle: true, credentials: { ...S3RVER_CREDENTIALS } });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.dirname, "bench-discovery.ts")) {
  const { values } = parseArgs({ options: { phase: { type: "string" }, target: { type: "string" } } });
  await childMain(values.phase as Phase, JSON.parse(values.target ?? "{}") as ChildTarget);
}
