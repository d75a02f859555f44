// Walks every procedure of the app router: each one outside PUBLIC_PROCEDURES must refuse callers
// without credentials, and each must have a tenant-isolation case below, so a new procedure fails
// this file until someone has said how it stays inside its tenant.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceDeps } from "@/server/services/deps";
import { appRouter, PUBLIC_PROCEDURES } from "./root";
import { callerAs, createTestKey, rejectionOf, seedTenant, type AppCaller, type TestTenant } from "@/test/api-callers";
import { createTestDatabase, describeEachDatabase, type TestDatabase } from "@/test/databases";
import { ingestionDraft } from "@/test/ingestion-fixtures";
import { testClock, testDeps } from "@/test/service-deps";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";

/** Tenant A's resources that tenant B's calls aim at. */
interface VictimIds {
  activeIngestionId: string;
  pausedIngestionId: string;
  /** A non-admin key of A, so a wrongly allowed revoke would succeed rather than hit the last-admin guard. */
  memberKeyId: string;
  /** A finished run of A's active ingestion. */
  runId: string;
  /** A file in the history of A's active ingestion (loaded by runId). */
  fileId: string;
}

/** The two tenants of the isolation cases, A's resource ids, and B's caller. */
interface World {
  a: TestTenant;
  b: TestTenant;
  ids: VictimIds;
  /** Tenant B's admin key, calling with an API key. */
  asB: AppCaller;
  deps: ServiceDeps;
}

type CrossTenantCase =
  /** Takes an id of tenant A's resource: tenant B's admin must get NOT_FOUND and change nothing. */
  | { input: (ids: VictimIds) => unknown }
  /** Lists: B must see none of A's items. Self: acts only on the caller's own tenant. */
  | { scopedBy: "list" | "self"; check: (world: World) => Promise<void> };

const crossTenantCases: Record<string, CrossTenantCase> = {
  "auth.signOut": {
    scopedBy: "self",
    async check({ a, asB, deps }) {
      const sessionsOfA = await deps.db.session.count({ where: { tenantId: a.id } });
      expect(sessionsOfA).toBeGreaterThan(0);
      await asB.auth.signOut();
      expect(await deps.db.session.count({ where: { tenantId: a.id } })).toBe(sessionsOfA);
    },
  },
  "auth.me": {
    scopedBy: "self",
    async check({ b, asB }) {
      await expect(asB.auth.me()).resolves.toMatchObject({ tenant: { id: b.id, slug: b.slug }, apiKey: { id: b.admin.id } });
    },
  },
  "keys.list": {
    scopedBy: "list",
    async check({ a, b, asB }) {
      const ids = (await asB.keys.list()).map((k) => k.id);
      expect(ids).toEqual(expect.arrayContaining([b.admin.id, b.member.id]));
      expect(ids).not.toContain(a.admin.id);
      expect(ids).not.toContain(a.member.id);
    },
  },
  "keys.create": {
    scopedBy: "self",
    async check({ a, b, asB, deps }) {
      const created = await asB.keys.create({ name: "made by b", isAdmin: true });
      const row = await deps.db.apiKey.findUniqueOrThrow({ where: { id: created.apiKey.id } });
      expect(row.tenantId).toBe(b.id);
      expect(row.tenantId).not.toBe(a.id);
    },
  },
  "keys.revoke": { input: (ids) => ({ id: ids.memberKeyId }) },
  "ingestions.list": {
    scopedBy: "list",
    async check({ ids, asB }) {
      const items = (await asB.ingestions.list({ limit: 100 })).items.map((i) => i.id);
      expect(items.length).toBeGreaterThan(0);
      expect(items).not.toContain(ids.activeIngestionId);
      expect(items).not.toContain(ids.pausedIngestionId);
      // Searching for A's name finds nothing of A's (B may hold its own "victim active", see ingestions.create).
      const found = await asB.ingestions.list({ search: "victim paused", limit: 100 });
      expect(found.items).toEqual([]);
      const paused = await asB.ingestions.list({ status: "PAUSED", limit: 100 });
      expect(paused.items.map((i) => i.id)).not.toContain(ids.pausedIngestionId);
    },
  },
  "ingestions.create": {
    scopedBy: "self",
    async check({ a, b, asB, deps }) {
      // A's name and table are free in B's tenant, and the new ingestion belongs to B.
      const victim = await deps.db.ingestion.findFirstOrThrow({ where: { tenantId: a.id, name: "victim active" } });
      const created = await asB.ingestions.create({
        name: victim.name,
        source: { uri: victim.sourceUri },
        format: { type: "JSON" },
        destination: { schema: victim.destinationSchema, table: victim.destinationTable },
      });
      expect((await deps.db.ingestion.findUniqueOrThrow({ where: { id: created.id } })).tenantId).toBe(b.id);
    },
  },
  "ingestions.preview": {
    // Reads a source, not tenant data: B's preview answers from the source alone and changes nothing of A's.
    scopedBy: "self",
    async check({ asB, deps }) {
      const preview = await asB.ingestions.preview({ source: { uri: deps.config.localRoots[0] ?? "" }, format: { type: "JSON" } });
      expect(preview).toMatchObject({ matchedFiles: 0, columns: [], rows: [] });
    },
  },
  "ingestions.estimateCost": { input: (ids) => ({ ingestionId: ids.activeIngestionId }) },
  "ingestions.get": { input: (ids) => ({ id: ids.activeIngestionId }) },
  "ingestions.update": { input: (ids) => ({ id: ids.activeIngestionId, patch: { description: "changed by b" } }) },
  "ingestions.delete": { input: (ids) => ({ id: ids.activeIngestionId, dropTable: true }) },
  "ingestions.pause": { input: (ids) => ({ id: ids.activeIngestionId }) },
  "ingestions.resume": { input: (ids) => ({ id: ids.pausedIngestionId }) },
  "runs.trigger": { input: (ids) => ({ ingestionId: ids.activeIngestionId }) },
  "runs.get": { input: (ids) => ({ id: ids.runId }) },
  "runs.retry": { input: (ids) => ({ id: ids.runId }) },
  "ingestions.refresh": { input: (ids) => ({ id: ids.activeIngestionId, mode: "FULL", confirm: true }) },
  "files.list": { input: (ids) => ({ ingestionId: ids.activeIngestionId }) },
  "files.get": { input: (ids) => ({ id: ids.fileId }) },
  "files.reprocess": { input: (ids) => ({ ingestionId: ids.activeIngestionId, fileIds: [ids.fileId] }) },
  "files.clear": { input: (ids) => ({ ingestionId: ids.activeIngestionId, confirm: true }) },
  "runs.list": {
    scopedBy: "list",
    async check({ ids, asB }) {
      const runs = (await asB.runs.list({ limit: 100 })).items.map((r) => r.id);
      expect(runs.length).toBeGreaterThan(0);
      expect(runs).not.toContain(ids.runId);
      // Filtering by A's ingestion is the same as filtering by one that does not exist.
      await expect(asB.runs.list({ ingestionId: ids.activeIngestionId })).rejects.toMatchObject({
        code: "NOT_FOUND",
        message: `No ingestion '${ids.activeIngestionId}'`,
      });
    },
  },
};

/** Procedures only an admin key may call; every other protected one must not answer FORBIDDEN. */
const ADMIN_ONLY = ["keys.create", "keys.revoke"];

const allPaths = Object.keys(appRouter._def.procedures).sort();
const publicPaths: readonly string[] = PUBLIC_PROCEDURES;
const protectedPaths = allPaths.filter((p) => !publicPaths.includes(p));

/** The procedure at a dotted path of a caller. Loosely typed: the paths come from the router at run time. */
function procedureAt(caller: AppCaller, path: string): (input?: unknown) => Promise<unknown> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking a caller by run-time paths
  return path.split(".").reduce((node: any, key) => node[key], caller);
}

describe("the procedure list", () => {
  it("has procedures, and every public one exists", () => {
    expect(allPaths.length).toBeGreaterThan(publicPaths.length);
    expect(allPaths).toEqual(expect.arrayContaining([...publicPaths]));
  });

  it("has a tenant-isolation case for every protected procedure, and none for procedures that are gone", () => {
    const missing = protectedPaths.filter((p) => !(p in crossTenantCases));
    const stale = Object.keys(crossTenantCases).filter((p) => !protectedPaths.includes(p));
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });
});

describeEachDatabase("auth matrix", (kind) => {
  let t: TestDatabase;
  let root: TempDir;
  let deps: ServiceDeps;

  beforeAll(async () => {
    [t, root] = await Promise.all([createTestDatabase(kind), makeTempDir("matrix")]);
    deps = testDeps(t.database.prisma, { clock: testClock(), localRoots: [root.path] });
  });
  afterAll(async () => {
    await t.destroy();
    await root.remove();
  });

  it.each(protectedPaths)("%s refuses a caller without credentials", async (path) => {
    const { caller, cookies } = callerAs(deps, null);
    const before = await t.database.prisma.ingestion.count();
    await expect(procedureAt(caller, path)(undefined)).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "Sign in, or send an API key as 'Authorization: Bearer <key>'",
    });
    expect(cookies).toMatchObject({ sets: [], clears: 0 });
    expect(await t.database.prisma.ingestion.count()).toBe(before);
  });

  it("health.check answers without credentials", async () => {
    await expect(callerAs(deps, null).caller.health.check()).resolves.toEqual({ status: "ok", database: "ok" });
  });

  it.each(protectedPaths)("%s is refused to a non-admin key exactly when it is admin-only", async (path) => {
    const tenant = await seedTenant(deps, `member-${path.replace(/\W/g, "-").toLowerCase()}`);
    const { caller } = callerAs(deps, tenant.member.auth);
    // No input: admin-only procedures must refuse before validating it; others answer (or reject the input).
    const outcome = await procedureAt(caller, path)(undefined).then(
      () => "answered",
      (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
    );
    if (ADMIN_ONLY.includes(path)) expect(outcome).toBe("FORBIDDEN: This needs an admin API key");
    else expect(outcome).not.toMatch(/^FORBIDDEN/);
  });

  describe("tenant isolation", () => {
    let world: World;
    /** Tenant A's rows as they were before B's calls; compared after each call. */
    let snapshotOfA: () => Promise<unknown>;

    beforeAll(async () => {
      const a = await seedTenant(deps, "tenant-a");
      const b = await seedTenant(deps, "tenant-b");
      const asA = callerAs(deps, a.admin.auth).caller;
      const active = await asA.ingestions.create(
        ingestionDraft(root.path, "victim active", { schedule: { frequency: "HOURLY", timezone: "UTC" } }),
      );
      const paused = await asA.ingestions.create(ingestionDraft(root.path, "victim paused"));
      await asA.ingestions.pause({ id: paused.id });
      // A second admin, so A's keys are revocable at all; and a session of A.
      await createTestKey(deps, a.id, "tenant-a second admin", true);
      await callerAs(deps, null).caller.auth.signIn({ apiKey: a.member.key });
      // B has an ingestion and a run of its own, so its lists are not trivially empty.
      const own = await callerAs(deps, b.admin.auth).caller.ingestions.create(ingestionDraft(root.path, "b own"));
      const db = t.database.prisma;
      await db.run.create({ data: { ingestionId: own.id, trigger: "MANUAL", status: "SUCCEEDED" } });
      const runOfA = await db.run.create({ data: { ingestionId: active.id, trigger: "MANUAL", status: "SUCCEEDED" } });
      const fileOfA = await db.processedFile.create({
        data: { ingestionId: active.id, runId: runOfA.id, path: "a.json", size: 10n, lastModified: new Date(), status: "SUCCESS", rowCount: 1n },
      });
      world = {
        a,
        b,
        ids: {
          activeIngestionId: active.id,
          pausedIngestionId: paused.id,
          memberKeyId: a.member.id,
          runId: runOfA.id,
          fileId: fileOfA.id,
        },
        asB: callerAs(deps, b.admin.auth).caller,
        deps,
      };
      snapshotOfA = async () => ({
        ingestions: await db.ingestion.findMany({ where: { tenantId: a.id }, orderBy: { id: "asc" } }),
        keys: await db.apiKey.findMany({ where: { tenantId: a.id }, orderBy: { id: "asc" } }),
        sessions: await db.session.findMany({ where: { tenantId: a.id }, orderBy: { id: "asc" } }),
        runs: await db.run.findMany({ where: { ingestion: { tenantId: a.id } }, orderBy: { id: "asc" } }),
        files: await db.processedFile.findMany({ where: { ingestion: { tenantId: a.id } }, orderBy: { id: "asc" } }),
        tenant: await db.tenant.findUniqueOrThrow({ where: { id: a.id } }),
      });
    });

    it.each(protectedPaths)("%s keeps tenant B out of tenant A's data", async (path) => {
      const entry = crossTenantCases[path];
      if (!entry) throw new Error(`No tenant-isolation case for ${path}: add one to crossTenantCases`);
      const before = await snapshotOfA();
      if ("input" in entry) {
        const input = entry.input(world.ids) as { id?: string; ingestionId?: string };
        const error = await rejectionOf(procedureAt(world.asB, path)(input));
        expect({ code: error.code, message: error.message }).toEqual({
          code: "NOT_FOUND",
          message: expect.stringMatching(new RegExp(`^No (ingestion|API key|run|file) '${input.id ?? input.ingestionId}'$`)),
        });
      } else {
        await entry.check(world);
      }
      expect(await snapshotOfA()).toEqual(before);
    });
  });
});
