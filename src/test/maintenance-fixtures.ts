// Fixtures for the maintenance procedures (runs.retry, ingestions.refresh/delete, files.*): a run
// world on a chosen database with tRPC callers for its tenant and for another one, sources a test
// can hold in the middle of a listing (so a real run, or a refresh, stays active), and feeds over
// landing directories of their own whose files have distinct, increasing modification times.
import { mkdir, mkdtemp, rename } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, vi } from "vitest";
import type { Db } from "@/server/db/database";
import type { CreateIngestionDraft } from "@/server/domain/ingestion-input";
import { Warehouse } from "@/server/engine/warehouse";
import { runPipeline } from "@/server/runs/pipeline";
import { DEFAULT_RUN_SETTINGS, type RunEngine, type RunSettings } from "@/server/runs/run-deps";
import { ensureTenant } from "@/server/services/auth/tenants";
import { triggerRun } from "@/server/services/runs/trigger-run";
import type { Source } from "@/server/sources/source";
import { createSourceFactory, type SourceFactory } from "@/server/sources/source-factory";
import { callerAs, createTestKey, type AppCaller } from "./api-callers";
import { createLocalConnection, FILES } from "./connection-fixtures";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "./databases";
import { createRunWorld, makeIngestion, writeFiles, type RunWorld } from "./run-fixtures";
import { ledgerCounts, rowsPerSourceFile, setModified } from "./run-inspection";
import { recordingLauncher, type TestClock } from "./service-deps";

export interface Gate {
  /** Resolves once a listing is waiting at the gate. */
  entered: Promise<void>;
  release(): void;
}

export interface SourceGates {
  /** A factory whose sources wait at a held gate before the first page of a listing. */
  wrap(base: () => SourceFactory): SourceFactory;
  /** Holds the next listing of the source `uri` (one listing only) until `release`. */
  hold(uri: string): Gate;
  /**
   * Runs `fn` once, when the next listing of the source `uri` has returned its last page (before
   * the run loads anything): to delete a file or take the store away between discovery and load.
   */
  afterListing(uri: string, fn: () => Promise<unknown>): void;
}

/** A source's location without its trailing "/" (an S3 source's uri has one, the ingestion's may not). */
const gateKey = (uri: string) => uri.replace(/\/+$/, "");

export function sourceGates(): SourceGates {
  const held = new Map<string, { enter(): void; released: Promise<void> }>();
  const listed = new Map<string, () => Promise<unknown>>();
  return {
    wrap(base) {
      return async (spec) => {
        const source = await base()(spec);
        const gated: Source = {
          type: source.type,
          uri: source.uri,
          async list(cursor, pageSize) {
            const gate = cursor === null ? held.get(gateKey(source.uri)) : undefined;
            if (gate) {
              held.delete(gateKey(source.uri));
              gate.enter();
              await gate.released;
            }
            const page = await source.list(cursor, pageSize);
            const after = page.nextCursor === null ? listed.get(gateKey(source.uri)) : undefined;
            if (after) {
              listed.delete(gateKey(source.uri));
              await after();
            }
            return page;
          },
          stat: (p) => source.stat(p),
          localize: (p, dir) => source.localize(p, dir),
          release: (paths) => source.release(paths),
          uriOf: (p) => source.uriOf(p),
        };
        return gated;
      };
    },
    hold(uri) {
      let enter = () => {};
      let release = () => {};
      const entered = new Promise<void>((resolve) => (enter = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      held.set(gateKey(uri), { enter, released });
      return { entered, release };
    },
    afterListing(uri, fn) {
      listed.set(gateKey(uri), fn);
    },
  };
}

export interface MaintenanceWorld extends RunWorld {
  kind: DatabaseKind;
  db: Db;
  /** An admin key of `tenant`. */
  api: AppCaller;
  /** Another tenant, with an admin key of its own. */
  other: { id: string; slug: string; api: AppCaller };
  gates: SourceGates;
}

/**
 * Gives the calling suite a migrated database of `kind` (PGlite by default) and a maintenance
 * world over it, torn down after the suite. Read `.world` inside hooks and tests.
 */
export function useMaintenanceWorld(
  opts: {
    kind?: DatabaseKind;
    settings?: Partial<Omit<RunSettings, "stagingDir">>;
    /** A clock the test moves (backoff, stale runs); the real time otherwise. */
    clock?: TestClock;
    /** Engine hooks, e.g. crash injection after a warehouse commit or after a batch's loaded files are marked. */
    hooks?: RunEngine["hooks"];
    /** Where S3 sources read their credentials (S3RVER_ENV for the test server). */
    sourceEnv?: Record<string, string | undefined>;
  } = {},
): { readonly world: MaintenanceWorld } {
  const kind = opts.kind ?? "pglite";
  let t: TestDatabase | undefined;
  let world: MaintenanceWorld | undefined;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    // The run world removes the staging directory's parent: keep both under a scratch dir of ours.
    const scratch = await mkdtemp(path.join(os.tmpdir(), "autoloader-maintenance-"));
    const gates = sourceGates();
    const holder: { base?: SourceFactory } = {};
    const run = await createRunWorld(t.database.prisma, {
      ...(opts.clock ? { clock: opts.clock } : {}),
      engine: {
        ...(opts.hooks ? { hooks: opts.hooks } : {}),
        warehouse: new Warehouse(path.join(scratch, "warehouse")),
        settings: { ...DEFAULT_RUN_SETTINGS, stagingDir: path.join(scratch, "staging"), ...opts.settings },
        sources: gates.wrap(() => {
          if (!holder.base) throw new Error("useMaintenanceWorld: sources used before the world was ready");
          return holder.base;
        }),
      },
    });
    holder.base = createSourceFactory(t.database.prisma, {
      grants: run.deps.config.grants,
      secrets: run.deps.config.secrets,
      env: opts.sourceEnv ?? {},
    });
    const admin = await createTestKey(run.deps, run.tenant.id, `${run.tenant.slug} admin`, true);
    const other = await ensureTenant(run.deps, `o-${Math.random().toString(36).slice(2, 10)}`);
    const otherAdmin = await createTestKey(run.deps, other.id, `${other.slug} admin`, true);
    // Its ingestions (feed(..., other)) read the same root through a "files" connection of its own.
    await createLocalConnection(run.deps, other.id, FILES, run.root);
    world = {
      ...run,
      kind,
      db: t.database.prisma,
      api: callerAs(run.deps, admin.auth).caller,
      other: { id: other.id, slug: other.slug, api: callerAs(run.deps, otherAdmin.auth).caller },
      gates,
    };
  });
  afterAll(async () => {
    await world?.cleanup();
    await t?.destroy();
  });
  return {
    get world() {
      if (!world) throw new Error("useMaintenanceWorld: the suite has not started yet");
      return world;
    },
  };
}

export interface Feed {
  ing: Awaited<ReturnType<typeof makeIngestion>>;
  landing: string;
  /** schema.table of the destination. */
  table: string;
  /** The `_source_file` of a relative path. */
  uri(rel: string): string;
  /** Writes files, each modified later than every file written before (the order runs claim in). */
  add(files: Record<string, string>): Promise<void>;
  /** Destination rows per relative source path ({} when the table does not exist). */
  rows(): Promise<Record<string, number>>;
  /** Ledger entries of the ingestion: relative path → row count. */
  ledger(): Promise<Record<string, number>>;
}

const FIRST_MODIFIED = Date.parse("2026-01-01T00:00:00.000Z");
let written = 0;
let feeds = 0;

/** An ingestion over a new landing directory holding `files`, loading raw.feed_<n> unless `draft` says otherwise. */
export async function feed(
  world: RunWorld,
  files: Record<string, string> = {},
  draft: Partial<CreateIngestionDraft> = {},
  tenant: { id: string; slug: string } = world.tenant,
): Promise<Feed> {
  feeds += 1;
  const landing = path.join(world.root, `landing-${feeds}`);
  await mkdir(landing, { recursive: true });
  const add = async (more: Record<string, string>) => {
    await writeFiles(landing, more);
    for (const rel of Object.keys(more)) {
      written += 1;
      await setModified(landing, rel, new Date(FIRST_MODIFIED + written * 60_000));
    }
  };
  await add(files);
  const ing = await makeIngestion(
    { ...world, tenant },
    { name: `Feed ${feeds}`, source: { uri: landing }, destination: { schema: "raw", table: `feed_${feeds}`, partitionColumns: [] }, ...draft },
  );
  const table = `${ing.destination.schema}.${ing.destination.table}`;
  const inTenant = { ...world, tenant };
  const uri = (rel: string) => `${landing}/${rel}`;
  const relative = (counts: Record<string, number>, prefix: string) =>
    Object.fromEntries(Object.entries(counts).map(([k, v]) => [k.startsWith(prefix) ? k.slice(prefix.length) : k, v]));
  return {
    ing,
    landing,
    table,
    uri,
    add,
    rows: async () => relative(await rowsPerSourceFile(inTenant, table), `${landing}/`),
    ledger: () => ledgerCounts(inTenant, ing.id),
  };
}

/** What a run attempted, from its FileAttempt rows: relative path → outcome and rows. */
export async function attemptsOf(world: RunWorld, runId: string): Promise<Record<string, { outcome: string; rowCount: number | null }>> {
  const rows = await world.deps.db.fileAttempt.findMany({
    where: { runId },
    select: { outcome: true, rowCount: true, file: { select: { path: true } } },
    orderBy: { file: { path: "asc" } },
  });
  return Object.fromEntries(
    rows.map((a) => [a.file.path, { outcome: a.outcome, rowCount: a.rowCount === null ? null : Number(a.rowCount) }]),
  );
}

/** Whether schema.table exists in the tenant's warehouse. */
export async function tableExists(world: RunWorld, table: string, tenantKey = world.tenant.slug): Promise<boolean> {
  const [schema, name] = table.split(".");
  return world.deps.engine.warehouse.withConnection(tenantKey, async (c) => {
    const r = await c.runAndReadAll(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = '${schema}' AND table_name = '${name}'`,
    );
    return Number((r.getRowObjectsJson()[0] as { n: string }).n) === 1;
  });
}

/**
 * Everything maintenance could change for one ingestion, for before/after comparisons: the
 * destination's rows, its ledger entries, its file history with attempts, and its runs.
 */
export async function snapshot(world: RunWorld, f: Feed) {
  const rows = (await tableExists(world, f.table))
    ? await world.deps.engine.warehouse.withConnection(world.tenant.slug, async (c) => {
        const r = await c.runAndReadAll(`SELECT * FROM ${f.table} ORDER BY ALL`);
        return r.getRowObjectsJson();
      })
    : null;
  return {
    rows,
    ledger: await world.deps.engine.warehouse.withConnection(world.tenant.slug, async (c) => {
      const r = await c.runAndReadAll(`SELECT * FROM _autoloader.loaded_files WHERE ingestion_id = '${f.ing.id}' ORDER BY path`);
      return r.getRowObjectsJson();
    }),
    files: await world.deps.db.processedFile.findMany({ where: { ingestionId: f.ing.id }, orderBy: { path: "asc" }, include: { attempts: true } }),
    runs: await world.deps.db.run.findMany({ where: { ingestionId: f.ing.id }, orderBy: { id: "asc" } }),
  };
}

/** Removes the directory, so the source cannot be listed; returns a function putting it back. */
export async function hideDirectory(dir: string): Promise<() => Promise<void>> {
  const aside = `${dir}.aside`;
  await rename(dir, aside);
  return () => rename(aside, dir);
}

/**
 * Loads the feed once, then starts a refresh and holds it inside its guard (at the listing for
 * its plan): the ingestion is busy until `release`, after which `refreshing` settles.
 */
export async function loadThenHoldRefresh(w: MaintenanceWorld, f: Feed, mode: "FULL" | "NEW_ONLY") {
  const { runId: loaded } = await w.api.runs.trigger({ ingestionId: f.ing.id });
  await w.executor.idle();
  const gate = w.gates.hold(f.ing.source.uri);
  const refreshing = w.api.ingestions.refresh({ id: f.ing.id, mode, confirm: true });
  await gate.entered;
  return { loaded, refreshing, release: () => gate.release() };
}

/**
 * Starts a run as a scheduled trigger would and executes its steps in this process until the
 * process "dies": an error thrown by a step (a crash hook), or the step named `killBefore` about
 * to start. Nothing is cleaned up after it, exactly as after a SIGKILL: the run stays active with
 * its heartbeat, its claims and whatever the warehouse committed. Returns the run id.
 */
export async function runUntilKilled(world: RunWorld, ingestionId: string, opts: { killBefore?: string } = {}): Promise<string> {
  const { runId } = await triggerRun({ ...world.deps, runs: recordingLauncher() }, world.tenant.id, ingestionId, { trigger: "SCHEDULE" });
  const died = new Error("killed");
  const outcome = await runPipeline(
    { run: async (id, fn) => (id === opts.killBefore ? Promise.reject(died) : fn()) },
    world.deps,
    runId,
  ).then(
    () => null,
    (error: unknown) => error,
  );
  if (outcome === null) throw new Error(`runUntilKilled: run ${runId} finished; nothing killed it`);
  return runId;
}

/**
 * The next use of the world's warehouse fails with `message`, once, as a locked or unreadable
 * DuckDB file makes it fail (say, the ledger read of a run being ended); later uses work.
 */
export function failNextWarehouseUse(world: RunWorld, message: string): void {
  vi.spyOn(world.deps.engine.warehouse, "withConnection").mockRejectedValueOnce(new Error(message));
}
