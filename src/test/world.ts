// The one builder of test worlds: a database of a kind (PGlite or PostgreSQL), a clock, service
// dependencies with a launcher (the direct executor, a recording fake, or one a test passes, e.g.
// Inngest's), gates that hold a source's listing, and tRPC callers per role and tenant.
// `withConfig` derives new dependencies (and a world's executor over them); nothing shared is mutated.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, inject } from "vitest";
import { ZodError } from "zod";
import { createCaller } from "@/server/api/root";
import { createContextInner, type SessionCookieWriter } from "@/server/api/trpc";
import { migrateDatabase, openDatabase, type Database, type Db } from "@/server/db/database";
import type { LaunchRequest, Logger, RunLauncher, ServiceDeps } from "@/server/deps";
import { grantsForAll, type Grants } from "@/server/domain/grants";
import { Warehouse } from "@/server/engine/destinations/duckdb/warehouse";
import { createDirectExecutor, type DirectExecutor } from "@/server/runs/executors/direct";
import { DEFAULT_RUN_SETTINGS, type RunEngine, type RunSettings } from "@/server/runs/run-deps";
import type { SecretBox } from "@/server/secrets/secret-box";
import { createApiKey } from "@/server/services/auth/api-keys";
import type { AuthContext, Role } from "@/server/services/auth/auth-context";
import { ensureTenant } from "@/server/services/auth/tenants";
import type { Source } from "@/server/sources/source";
import { createSourceFactory, type SourceFactory } from "@/server/sources/source-factory";
import { createLocalConnection, FILES, testGrant, testSecrets } from "./connection-fixtures";
import { createScratchDatabase } from "./postgres";

// ── Databases ────────────────────────────────────────────────────────────────────────────────

export type DatabaseKind = "pglite" | "postgres";

export interface TestDatabase {
  kind: DatabaseKind;
  database: Database;
  /** Closes the connection and removes the data. */
  destroy(): Promise<void>;
  /** For PostgreSQL: the URL, so a test can open a second connection (another "process"). */
  url?: string;
}

/** `migrate: false` leaves the database empty, for tests of the migrator itself. */
export async function createTestDatabase(kind: DatabaseKind, opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const migrate = opts.migrate ?? true;
  if (kind === "pglite") {
    // Migrated suites start from the run's migrated template (global-setup.ts): no initdb each.
    const template = migrate ? new Blob([await readFile(inject("pgliteTemplate"))]) : undefined;
    const database = await openDatabase({ kind: "pglite", dataDir: null, ...(template ? { template } : {}) });
    if (migrate) await migrateDatabase(database);
    return { kind, database, destroy: () => database.close() };
  }
  const scratch = await createScratchDatabase();
  const database = await openDatabase({ kind: "postgres", url: scratch.url });
  if (migrate) await migrateDatabase(database);
  return {
    kind,
    database,
    url: scratch.url,
    async destroy() {
      await database.close();
      await scratch.drop();
    },
  };
}

/** `describe` once per database kind; PostgreSQL variants are skipped (visibly) when unreachable. */
export function describeEachDatabase(name: string, fn: (kind: DatabaseKind) => void): void {
  describe(`${name} [pglite]`, () => fn("pglite"));
  const pgAvailable = inject("postgres");
  (pgAvailable ? describe : describe.skip)(`${name} [postgres]`, () => fn("postgres"));
}

// ── Clock and logger ─────────────────────────────────────────────────────────────────────────

export interface TestClock {
  now: Date;
  advance(ms: number): void;
}

export function testClock(start = new Date("2026-11-22T12:00:00.000Z")): TestClock {
  const clock = {
    now: start,
    advance(ms: number) {
      clock.now = new Date(clock.now.getTime() + ms);
    },
  };
  return clock;
}

export interface RecordingLogger extends Logger {
  lines: { level: "info" | "warn" | "error"; message: string }[];
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger["lines"] = [];
  return {
    lines,
    info: (message) => lines.push({ level: "info", message }),
    warn: (message) => lines.push({ level: "warn", message }),
    error: (message) => lines.push({ level: "error", message }),
  };
}

// ── Service dependencies ─────────────────────────────────────────────────────────────────────

/** Sources that read the grants and secrets of the deps they belong to, rebuilt by `withConfig`. */
type SourcesFor = (deps: ServiceDeps) => SourceFactory;
const sourcesBuilders = new WeakMap<ServiceDeps, SourcesFor>();

function plainSources(env: Record<string, string | undefined>): SourcesFor {
  return (deps) => createSourceFactory(deps.db, { grants: deps.config.grants, secrets: deps.config.secrets, env });
}

export interface TestDepsOptions {
  clock?: TestClock;
  localRoots?: string[];
  /** What tenants may reach; by default every tenant gets `localRoots`, AWS and ambient credentials. */
  grants?: Grants;
  /** The connection secrets' box; a fresh key by default. */
  secrets?: SecretBox | null;
  /** Where AMBIENT and ENV_REF credentials are read (never process.env in tests). */
  sourceEnv?: Record<string, string | undefined>;
  log?: Logger;
  sessionTtlHours?: number;
  engine?: Partial<RunEngine>;
  /** Wraps the sources (a probe, gates); they stay wrapped in deps derived by withConfig. */
  wrapSources?: (base: SourceFactory) => SourceFactory;
  runs?: RunLauncher;
}

export function testDeps(db: Db, opts: TestDepsOptions = {}): ServiceDeps {
  const clock = opts.clock;
  const localRoots = opts.localRoots ?? ["/tmp/autoloader-test-roots"];
  const grants = opts.grants ?? grantsForAll(testGrant(localRoots));
  const secrets = opts.secrets === undefined ? testSecrets() : opts.secrets;
  // A warehouse of its own per deps, in a temp dir; DuckDB opens it only when a test loads.
  const scratch = path.join(os.tmpdir(), `autoloader-test-${randomBytes(6).toString("hex")}`);
  const plain = plainSources(opts.sourceEnv ?? {});
  const wrap = opts.wrapSources;
  const sourcesFor: SourcesFor | undefined = opts.engine?.sources ? undefined : wrap ? (d) => wrap(plain(d)) : plain;
  const deps: ServiceDeps = {
    db,
    clock: clock ? () => clock.now : () => new Date(),
    log: opts.log ?? recordingLogger(),
    config: { localRoots, grants, secrets, sessionTtlHours: opts.sessionTtlHours ?? 24 },
    engine: {
      warehouse: opts.engine?.warehouse ?? new Warehouse(path.join(scratch, "warehouse")),
      sources: opts.engine?.sources ?? (() => Promise.reject(new Error("testDeps: sources not ready"))),
      settings: opts.engine?.settings ?? { ...DEFAULT_RUN_SETTINGS, stagingDir: path.join(scratch, "staging") },
      ...(opts.engine?.destinations ? { destinations: opts.engine.destinations } : {}),
      ...(opts.engine?.hooks ? { hooks: opts.engine.hooks } : {}),
    },
    // Tests that trigger runs pass a launcher (usually the direct executor); others never start one.
    runs: opts.runs ?? {
      kind: "direct",
      launch(request) {
        throw new Error(`testDeps: no run launcher given, cannot start run ${request.runId}`);
      },
    },
  };
  if (sourcesFor) {
    deps.engine.sources = sourcesFor(deps);
    sourcesBuilders.set(deps, sourcesFor);
  }
  return deps;
}

/** What `withConfig` may change; `settings` merge into the current ones, `hooks` replace them. */
export interface DepsPatch {
  config?: Partial<ServiceDeps["config"]>;
  settings?: Partial<RunSettings>;
  hooks?: RunEngine["hooks"];
  runs?: RunLauncher;
}

/**
 * New dependencies: `deps` with `patch` applied. The database, warehouse, clock and log are
 * shared; sources built by this module read the new grants and secrets.
 */
export function withConfig(deps: ServiceDeps, patch: DepsPatch): ServiceDeps {
  const next: ServiceDeps = {
    ...deps,
    config: { ...deps.config, ...patch.config },
    engine: {
      ...deps.engine,
      settings: { ...deps.engine.settings, ...patch.settings },
      ...(patch.hooks ? { hooks: patch.hooks } : {}),
    },
    runs: patch.runs ?? deps.runs,
  };
  const sourcesFor = sourcesBuilders.get(deps);
  if (sourcesFor) {
    next.engine.sources = sourcesFor(next);
    sourcesBuilders.set(next, sourcesFor);
  }
  return next;
}

/**
 * `grants` (from testGrant) granting every tenant more: local roots, S3 endpoints (e.g. the test
 * server's) and credential references. New grants; the ones given are not changed.
 */
export function grantsWith(grants: Grants, more: { localRoots?: string[]; endpoints?: string[]; credentialRefs?: string[] }): Grants {
  const s3 = grants.fallback.s3;
  if (!s3?.endpoints) throw new Error("grantsWith: the grants are not a testGrant");
  const union = (have: string[], add: string[]) => [...have, ...add.filter((x, i) => !have.includes(x) && add.indexOf(x) === i)];
  const endpoints = union(s3.endpoints, (more.endpoints ?? []).map((e) => new URL(e).origin));
  const credentialRefs = union(s3.credentialRefs ?? [], more.credentialRefs ?? []);
  const localRoots = union(grants.fallback.localRoots ?? [], more.localRoots ?? []);
  return { ...grants, fallback: { ...grants.fallback, localRoots, s3: { ...s3, endpoints, credentialRefs } } };
}

// ── Launchers ────────────────────────────────────────────────────────────────────────────────

/** A launcher that only records what it was asked to launch (the runs stay QUEUED). */
export function recordingLauncher(): RunLauncher & { launched: LaunchRequest[] } {
  const launched: LaunchRequest[] = [];
  return {
    kind: "direct",
    launched,
    async launch(request) {
      launched.push(request);
      return { method: "direct" };
    },
  };
}

/** What a world's `withConfig` may change: a launcher may be built over the new executor (Inngest's falls back to it). */
export interface WorldPatch extends Omit<DepsPatch, "runs"> {
  runs?: RunLauncher | ((executor: DirectExecutor) => RunLauncher);
}

export interface DirectDeps {
  deps: ServiceDeps;
  /** Runs what the direct launcher launches, in this process, over `deps`. */
  executor: DirectExecutor;
  /** New deps (`withConfig`) with a direct executor of their own over them. */
  withConfig(patch: WorldPatch): DirectDeps;
  /** Waits for the runs of this executor and of every one derived from it. */
  idle(): Promise<void>;
}

/**
 * Test deps whose launcher starts a direct executor over them (the two refer to each other). A
 * derived one keeps its parent's launcher: the direct one, a fixed one, or one built over its executor.
 */
export function directDeps(db: Db, opts: Omit<TestDepsOptions, "runs"> = {}): DirectDeps {
  const executors: DirectExecutor[] = [];
  const over = (spec: WorldPatch["runs"], build: (runs: RunLauncher) => ServiceDeps): DirectDeps => {
    const holder: { deps?: ServiceDeps } = {};
    const executor = createDirectExecutor(() => {
      if (!holder.deps) throw new Error("directDeps: the executor ran before its deps were built");
      return holder.deps;
    });
    executors.push(executor);
    const direct: RunLauncher = {
      kind: "direct",
      launch: async (request) => {
        executor.start(request.runId);
        return { method: "direct" };
      },
    };
    const deps = build(spec === undefined ? direct : typeof spec === "function" ? spec(executor) : spec);
    holder.deps = deps;
    return {
      deps,
      executor,
      withConfig: (patch) => over(patch.runs ?? spec, (runs) => withConfig(deps, { ...patch, runs })),
      async idle() {
        for (const e of executors) await e.idle();
      },
    };
  };
  return over(undefined, (runs) => testDeps(db, { ...opts, runs }));
}

// ── Gates ────────────────────────────────────────────────────────────────────────────────────

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

// ── Callers ──────────────────────────────────────────────────────────────────────────────────

export const TEST_SESSION_SECRET = "test-session-secret-that-is-long-enough-0123456789";

export interface TestKey {
  id: string;
  name: string;
  /** The secret, as a client would send it. */
  key: string;
  auth: AuthContext;
}

export interface TestTenant {
  id: string;
  slug: string;
  admin: TestKey;
  /** A non-admin key of the same tenant. */
  member: TestKey;
}

export async function createTestKey(
  deps: ServiceDeps,
  tenantId: string,
  name: string,
  /** A role, or true for ADMIN and false for EDITOR (what a non-admin key could do before roles). */
  role: Role | boolean,
): Promise<TestKey> {
  const r: Role = role === true ? "ADMIN" : role === false ? "EDITOR" : role;
  const { key, apiKey } = await createApiKey(deps, tenantId, { name, role: r });
  return { id: apiKey.id, name, key, auth: { tenantId, apiKeyId: apiKey.id, role: r, via: "api-key" } };
}

/** A new tenant with one admin and one member key. */
export async function seedTenant(deps: ServiceDeps, slug: string): Promise<TestTenant> {
  const tenant = await ensureTenant(deps, slug);
  if (!tenant.created) throw new Error(`Test tenant '${slug}' already exists: use a fresh slug per test`);
  const admin = await createTestKey(deps, tenant.id, `${slug} admin`, true);
  const member = await createTestKey(deps, tenant.id, `${slug} member`, false);
  return { id: tenant.id, slug, admin, member };
}

export interface RecordingCookies extends SessionCookieWriter {
  sets: { value: string; expiresAt: Date }[];
  clears: number;
}

export function recordingCookies(): RecordingCookies {
  const cookies: RecordingCookies = {
    sets: [],
    clears: 0,
    set(value, expiresAt) {
      cookies.sets.push({ value, expiresAt });
    },
    clear() {
      cookies.clears += 1;
    },
  };
  return cookies;
}

export type AppCaller = ReturnType<typeof createCaller>;

/** A caller authenticated as `auth` (null: no credentials), and the cookies it wrote. */
export function callerAs(
  deps: ServiceDeps,
  auth: AuthContext | null,
  opts: { authError?: string; sessionSecret?: string } = {},
): { caller: AppCaller; cookies: RecordingCookies } {
  const cookies = recordingCookies();
  const caller = createCaller(
    createContextInner({
      deps,
      auth,
      authError: opts.authError,
      sessionSecret: opts.sessionSecret ?? TEST_SESSION_SECRET,
      cookies,
    }),
  );
  return { caller, cookies };
}

/** The TRPCError a call fails with; fails the test if the call succeeds or throws something else. */
export async function rejectionOf(call: Promise<unknown>): Promise<TRPCError> {
  let result: unknown;
  try {
    result = await call;
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
  throw new Error(`Expected the call to fail, but it returned ${JSON.stringify(result)}`);
}

/** Input validation messages of a BAD_REQUEST by dotted path (what the formatter sends as fieldErrors). */
export function zodIssuesOf(error: TRPCError): Record<string, string[]> {
  if (error.code !== "BAD_REQUEST" || !(error.cause instanceof ZodError)) {
    throw new Error(`Expected an input validation error, got ${error.code}: ${error.message}`);
  }
  const out: Record<string, string[]> = {};
  for (const issue of error.cause.issues) (out[issue.path.join(".")] ??= []).push(issue.message);
  return out;
}

// ── Run worlds ───────────────────────────────────────────────────────────────────────────────

export interface RunWorld {
  deps: ServiceDeps;
  executor: DirectExecutor;
  root: string;
  tenant: { id: string; slug: string };
  /** This world over new deps (`withConfig`), with a direct executor of its own over them. */
  withConfig(patch: WorldPatch): RunWorld;
  cleanup(): Promise<void>;
}

export interface RunWorldOptions {
  clock?: TestClock;
  engine?: Partial<RunEngine>;
  tenantSlug?: string;
  /** S3 endpoints granted besides AWS (the test S3 server's). */
  s3Endpoints?: string[];
  sourceEnv?: Record<string, string | undefined>;
  /** Holds listings of the world's sources (`sourceGates`); ignored when `engine.sources` is given. */
  gates?: SourceGates;
  /** Wraps the world's sources (a probe), inside the gates; kept by worlds derived with withConfig. */
  wrapSources?: (base: SourceFactory) => SourceFactory;
}

/** A tenant with a "files" connection on a temp root, and deps whose launcher is a direct executor. */
export async function createRunWorld(db: Db, opts: RunWorldOptions = {}): Promise<RunWorld> {
  const root = await mkdtemp(path.join(os.tmpdir(), "autoloader-run-"));
  const gates = opts.gates;
  const direct = directDeps(db, {
    localRoots: [root],
    grants: grantsForAll(testGrant([root], opts.s3Endpoints ?? [])),
    ...(opts.sourceEnv ? { sourceEnv: opts.sourceEnv } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.engine ? { engine: opts.engine } : {}),
    wrapSources: (base: SourceFactory) => {
      const wrapped = opts.wrapSources ? opts.wrapSources(base) : base;
      return gates ? gates.wrap(() => wrapped) : wrapped;
    },
  });
  const { deps } = direct;
  const tenant = await ensureTenant(deps, opts.tenantSlug ?? `t-${Math.random().toString(36).slice(2, 10)}`);
  // The tenant reads its root through the connection "files", as a fresh install's default tenant does.
  await createLocalConnection(deps, tenant.id, FILES, root);
  const worldOver = (d: DirectDeps): RunWorld => ({
    deps: d.deps,
    executor: d.executor,
    root,
    tenant,
    withConfig: (patch) => worldOver(d.withConfig(patch)),
    async cleanup() {
      await direct.idle();
      await deps.engine.warehouse.close();
      await rm(root, { recursive: true, force: true });
      // testDeps puts staging in a scratch directory of its own (autoloader-*); never remove the
      // parent of a staging directory a test chose (it once was /tmp itself).
      const scratch = path.dirname(deps.engine.settings.stagingDir);
      if (path.basename(scratch).startsWith("autoloader-") && path.dirname(scratch) === os.tmpdir()) {
        await rm(scratch, { recursive: true, force: true });
      } else {
        await rm(deps.engine.settings.stagingDir, { recursive: true, force: true });
      }
    },
  });
  return worldOver(direct);
}

/**
 * Gives the calling suite a migrated PGlite database and a run world, torn down after it.
 * Read `.world` inside hooks and tests (it exists once the suite has started).
 */
export function useRunWorld(opts: RunWorldOptions & { kind?: DatabaseKind } = {}): { readonly world: RunWorld } {
  let t: TestDatabase | undefined;
  let world: RunWorld | undefined;
  const { kind = "pglite", ...worldOpts } = opts;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    world = await createRunWorld(t.database.prisma, worldOpts);
  });
  afterAll(async () => {
    await world?.cleanup();
    await t?.destroy();
  });
  return {
    get world() {
      if (!world) throw new Error("useRunWorld: the suite has not started yet");
      return world;
    },
  };
}

export interface MaintenanceWorld extends RunWorld {
  withConfig(patch: WorldPatch): MaintenanceWorld;
  kind: DatabaseKind;
  db: Db;
  /** An admin key of `tenant`. */
  api: AppCaller;
  /** Another tenant, with an admin key of its own. */
  other: { id: string; slug: string; api: AppCaller };
  gates: SourceGates;
}

/**
 * Gives the calling suite a migrated database of `kind` (PGlite by default) and a run world over
 * it with gated sources and admin callers for its tenant and another one, torn down after the
 * suite. Read `.world` inside hooks and tests.
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
    /** S3 endpoints granted besides AWS, read when the suite starts (a test server started in an earlier beforeAll). */
    s3Endpoints?: () => string[];
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
    const run = await createRunWorld(t.database.prisma, {
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.sourceEnv ? { sourceEnv: opts.sourceEnv } : {}),
      ...(opts.s3Endpoints ? { s3Endpoints: opts.s3Endpoints() } : {}),
      gates,
      engine: {
        ...(opts.hooks ? { hooks: opts.hooks } : {}),
        warehouse: new Warehouse(path.join(scratch, "warehouse")),
        settings: { ...DEFAULT_RUN_SETTINGS, stagingDir: path.join(scratch, "staging"), ...opts.settings },
      },
    });
    const admin = await createTestKey(run.deps, run.tenant.id, `${run.tenant.slug} admin`, true);
    const other = await ensureTenant(run.deps, `o-${Math.random().toString(36).slice(2, 10)}`);
    const otherAdmin = await createTestKey(run.deps, other.id, `${other.slug} admin`, true);
    // Its ingestions (feed(..., other)) read the same root through a "files" connection of its own.
    await createLocalConnection(run.deps, other.id, FILES, run.root);
    const db = t.database.prisma;
    // A derived world (withConfig) keeps the gates and gets callers over its own deps.
    const maintenance = (r: RunWorld): MaintenanceWorld => ({
      ...r,
      kind,
      db,
      api: callerAs(r.deps, admin.auth).caller,
      other: { id: other.id, slug: other.slug, api: callerAs(r.deps, otherAdmin.auth).caller },
      gates,
      withConfig: (patch) => maintenance(r.withConfig(patch)),
    });
    world = maintenance(run);
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
