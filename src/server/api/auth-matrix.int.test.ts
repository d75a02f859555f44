// Walks every procedure of the app router × {anonymous, viewer, editor, admin, other tenant}: each
// one outside PUBLIC_PROCEDURES must refuse callers without credentials; each declares the role it
// needs, which must equal ROLE_TABLE below (so a silent change of role fails); a caller below that
// role gets FORBIDDEN naming both roles and changes nothing; and each has a tenant-isolation case.
// A new procedure fails this file until someone has said who may call it and how it stays inside
// its tenant.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "@/server/services/auth/auth-context";
import type { ServiceDeps } from "@/server/deps";
import { appRouter, PUBLIC_PROCEDURES } from "./root";
import type { ProcedureMeta } from "./trpc";
import { callerAs, createTestKey, rejectionOf, seedTenant, type AppCaller, type TestKey, type TestTenant, createTestDatabase, describeEachDatabase, type TestDatabase, testClock, testDeps } from "@/test/world";
import { createLocalConnection, FILES } from "@/test/connection-fixtures";
import { ingestionDraft } from "@/test/ingestion-fixtures";
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
  /** A connection only A has (B has a "files" connection of its own, so that name is not A's alone). */
  connectionName: string;
}

/** A's connection that no other tenant has a namesake of. */
const A_PRIVATE = "a-private";

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
      const created = await asB.keys.create({ name: "made by b", role: "ADMIN" });
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
        source: { connection: FILES, path: victim.sourcePath },
        format: { type: "JSON" },
        destination: { schema: victim.destinationSchema, table: victim.destinationTable },
      });
      expect((await deps.db.ingestion.findUniqueOrThrow({ where: { id: created.id } })).tenantId).toBe(b.id);
    },
  },
  // Reads go through a connection: A's is no connection of B's.
  "ingestions.preview": { input: (ids) => ({ source: { connection: ids.connectionName }, format: { type: "JSON" } }) },
  "ingestions.estimateCost": { input: (ids) => ({ ingestionId: ids.activeIngestionId }) },
  "ingestions.get": { input: (ids) => ({ id: ids.activeIngestionId }) },
  "ingestions.update": { input: (ids) => ({ id: ids.activeIngestionId, patch: { description: "changed by b" } }) },
  "ingestions.delete": { input: (ids) => ({ id: ids.activeIngestionId, dropTable: true }) },
  "ingestions.pause": { input: (ids) => ({ id: ids.activeIngestionId }) },
  "ingestions.resume": { input: (ids) => ({ id: ids.pausedIngestionId }) },
  "runs.trigger": { input: (ids) => ({ ingestionId: ids.activeIngestionId }) },
  "runs.get": { input: (ids) => ({ id: ids.runId }) },
  "runs.retry": { input: (ids) => ({ id: ids.runId }) },
  "runs.cancel": { input: (ids) => ({ id: ids.runId }) },
  "ingestions.refresh": { input: (ids) => ({ id: ids.activeIngestionId, mode: "FULL", confirm: true }) },
  "files.list": { input: (ids) => ({ ingestionId: ids.activeIngestionId }) },
  "files.get": { input: (ids) => ({ id: ids.fileId }) },
  "files.reprocess": { input: (ids) => ({ ingestionId: ids.activeIngestionId, fileIds: [ids.fileId] }) },
  "files.clear": { input: (ids) => ({ ingestionId: ids.activeIngestionId, confirm: true }) },
  "connections.list": {
    scopedBy: "list",
    async check({ a, b, asB, deps }) {
      const names = (await asB.connections.list({ limit: 100 })).items.map((c) => c.id);
      const ofA = await deps.db.connection.findMany({ where: { tenantId: a.id }, select: { id: true } });
      const ofB = await deps.db.connection.findMany({ where: { tenantId: b.id }, select: { id: true } });
      expect(ofA.length).toBeGreaterThan(0);
      expect(names.sort()).toEqual(ofB.map((c) => c.id).sort());
    },
  },
  "connections.get": { input: (ids) => ({ name: ids.connectionName }) },
  "connections.create": {
    scopedBy: "self",
    async check({ b, asB, deps }) {
      const root = deps.config.localRoots[0] ?? "";
      const created = await asB.connections.create({ name: "made-by-b", location: { type: "LOCAL", path: root } });
      expect((await deps.db.connection.findUniqueOrThrow({ where: { id: created.id } })).tenantId).toBe(b.id);
    },
  },
  "connections.update": { input: (ids) => ({ name: ids.connectionName, patch: { description: "changed by b" } }) },
  "connections.delete": { input: (ids) => ({ name: ids.connectionName }) },
  "connections.test": { input: (ids) => ({ name: ids.connectionName }) },
  "audit.list": {
    scopedBy: "list",
    async check({ a, b, asB, deps }) {
      expect(await deps.db.auditEvent.count({ where: { tenantId: a.id } })).toBeGreaterThan(0);
      const items = (await asB.audit.list({ limit: 100 })).items;
      const ofB = await deps.db.auditEvent.findMany({ where: { tenantId: b.id }, select: { id: true } });
      expect(items.map((e) => e.id).sort()).toEqual(ofB.map((e) => e.id).sort());
    },
  },
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

/**
 * The role each procedure needs, written out here as well as in the procedure's meta: both must
 * agree, so neither a new procedure nor a changed role goes unnoticed. PUBLIC: no credentials.
 */
const ROLE_TABLE: Record<string, Role | "PUBLIC"> = {
  "health.check": "PUBLIC",
  "auth.signIn": "PUBLIC",
  "auth.me": "VIEWER",
  "auth.signOut": "VIEWER",
  "keys.list": "ADMIN",
  "keys.create": "ADMIN",
  "keys.revoke": "ADMIN",
  "connections.list": "VIEWER",
  "connections.get": "VIEWER",
  "connections.create": "ADMIN",
  "connections.update": "ADMIN",
  "connections.delete": "ADMIN",
  "connections.test": "EDITOR",
  "ingestions.list": "VIEWER",
  "ingestions.get": "VIEWER",
  "ingestions.preview": "VIEWER",
  "ingestions.estimateCost": "VIEWER",
  "ingestions.create": "EDITOR",
  "ingestions.update": "EDITOR",
  "ingestions.delete": "EDITOR",
  "ingestions.refresh": "EDITOR",
  "ingestions.pause": "EDITOR",
  "ingestions.resume": "EDITOR",
  "runs.list": "VIEWER",
  "runs.get": "VIEWER",
  "runs.trigger": "EDITOR",
  "runs.retry": "EDITOR",
  "runs.cancel": "EDITOR",
  "files.list": "VIEWER",
  "files.get": "VIEWER",
  "files.reprocess": "EDITOR",
  "files.clear": "EDITOR",
  "audit.list": "ADMIN",
};

/** Procedures only an admin key may call; every other protected one must not answer FORBIDDEN. */
const ADMIN_ONLY = Object.keys(ROLE_TABLE).filter((p) => ROLE_TABLE[p] === "ADMIN");

const ROLE_NAMES: Record<Role, string> = { ADMIN: "admin", EDITOR: "editor", VIEWER: "viewer" };
const RANK: Record<Role, number> = { VIEWER: 0, EDITOR: 1, ADMIN: 2 };

/**
 * A valid input for each protected procedure, on tenant A's own resources: a caller below the
 * procedure's role must be refused with it, and nothing may change.
 */
const OWN_INPUTS: Record<string, (ids: VictimIds) => unknown> = {
  "auth.me": () => undefined,
  "auth.signOut": () => undefined,
  "keys.list": () => undefined,
  "keys.create": () => ({ name: "escalated", role: "ADMIN" }),
  "keys.revoke": (ids) => ({ id: ids.memberKeyId }),
  "connections.list": () => ({}),
  "connections.get": (ids) => ({ name: ids.connectionName }),
  "connections.create": () => ({ name: "sneaky", location: { type: "LOCAL", path: "/tmp" } }),
  "connections.update": (ids) => ({ name: ids.connectionName, patch: { description: "changed" } }),
  "connections.delete": (ids) => ({ name: ids.connectionName }),
  "connections.test": (ids) => ({ name: ids.connectionName }),
  "ingestions.list": () => ({}),
  "ingestions.get": (ids) => ({ id: ids.activeIngestionId }),
  "ingestions.preview": () => ({ source: { connection: FILES, path: "victim_active" }, format: { type: "JSON" } }),
  "ingestions.estimateCost": (ids) => ({ ingestionId: ids.activeIngestionId }),
  "ingestions.create": () => ({
    name: "sneaky",
    source: { connection: FILES, path: "sneaky" },
    format: { type: "JSON" },
    destination: { schema: "raw", table: "sneaky" },
  }),
  "ingestions.update": (ids) => ({ id: ids.activeIngestionId, patch: { description: "changed" } }),
  "ingestions.delete": (ids) => ({ id: ids.activeIngestionId, dropTable: true }),
  "ingestions.refresh": (ids) => ({ id: ids.activeIngestionId, mode: "FULL", confirm: true }),
  "ingestions.pause": (ids) => ({ id: ids.activeIngestionId }),
  "ingestions.resume": (ids) => ({ id: ids.pausedIngestionId }),
  "runs.list": () => ({}),
  "runs.get": (ids) => ({ id: ids.runId }),
  "runs.trigger": (ids) => ({ ingestionId: ids.activeIngestionId }),
  "runs.retry": (ids) => ({ id: ids.runId }),
  "runs.cancel": (ids) => ({ id: ids.runId }),
  "files.list": (ids) => ({ ingestionId: ids.activeIngestionId }),
  "files.get": (ids) => ({ id: ids.fileId }),
  "files.reprocess": (ids) => ({ ingestionId: ids.activeIngestionId, fileIds: [ids.fileId] }),
  "files.clear": (ids) => ({ ingestionId: ids.activeIngestionId, confirm: true }),
  "audit.list": () => ({}),
};

const allPaths = Object.keys(appRouter._def.procedures).sort();
const publicPaths: readonly string[] = PUBLIC_PROCEDURES;
const protectedPaths = allPaths.filter((p) => !publicPaths.includes(p));

type RouterProcedure = { _def: { type: string; meta?: ProcedureMeta } };
const procedures = appRouter._def.procedures as unknown as Record<string, RouterProcedure>;
const metaOf = (path: string): ProcedureMeta => procedures[path]?._def.meta ?? {};
const procedureType = (path: string): string | undefined => procedures[path]?._def.type;

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

  it("has a role and an own-tenant input for every procedure, and none for procedures that are gone", () => {
    expect(Object.keys(ROLE_TABLE).sort()).toEqual(allPaths);
    expect(Object.keys(OWN_INPUTS).sort()).toEqual(protectedPaths);
  });

  it("declares in each procedure's meta the role the table says, and PUBLIC exactly for public procedures", () => {
    const declared = Object.fromEntries(allPaths.map((p) => [p, metaOf(p).role ?? "PUBLIC"]));
    expect(declared).toEqual(ROLE_TABLE);
    expect(allPaths.filter((p) => ROLE_TABLE[p] === "PUBLIC")).toEqual([...publicPaths].sort());
  });

  it("audits every mutation, under a distinct action", () => {
    const mutations = allPaths.filter((p) => procedureType(p) === "mutation");
    expect(mutations.length).toBeGreaterThan(10);
    expect(mutations.filter((p) => !metaOf(p).audit)).toEqual([]);
    const actions = mutations.map((p) => metaOf(p).audit?.action);
    expect(new Set(actions).size).toBe(actions.length);
    // Reads are not audited (the log is of changes and sign-ins).
    expect(allPaths.filter((p) => procedureType(p) !== "mutation" && metaOf(p).audit)).toEqual([]);
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
    if (ADMIN_ONLY.includes(path)) expect(outcome).toBe("FORBIDDEN: This needs the admin role; your key has the editor role");
    else expect(outcome).not.toMatch(/^FORBIDDEN/);
  });

  describe("tenant isolation", () => {
    let world: World;
    /** Tenant A's rows (all but its audit log) as they were before a call; compared after it. */
    let snapshotOfA: () => Promise<unknown>;
    /** Tenant A's keys by role. */
    let keysOfA: Record<Role, TestKey>;

    /** What a call answered: "answered", or "CODE: message". */
    const outcomeOf = (call: Promise<unknown>) =>
      call.then(
        () => "answered",
        (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
      );

    it.each(protectedPaths)("%s: a viewer is refused exactly when it needs more, changing nothing but the audit log", async (path) => {
      const needed = ROLE_TABLE[path] as Role;
      const before = await snapshotOfA();
      const auditBefore = await deps.db.auditEvent.count({ where: { tenantId: world.a.id } });
      const { caller } = callerAs(deps, keysOfA.VIEWER.auth);
      const outcome = await outcomeOf(procedureAt(caller, path)(OWN_INPUTS[path]?.(world.ids)));
      const audit = metaOf(path).audit;
      if (RANK[needed] > RANK.VIEWER) {
        const message = `This needs the ${ROLE_NAMES[needed]} role; your key has the viewer role`;
        expect(outcome).toBe(`FORBIDDEN: ${message}`);
        // The refusal is in A's audit log when the procedure is audited.
        const events = await deps.db.auditEvent.findMany({ where: { tenantId: world.a.id }, orderBy: { id: "asc" }, skip: auditBefore });
        expect(events.map((e) => [e.action, e.outcome, e.apiKeyId, e.actorRole, e.error])).toEqual(
          audit ? [[audit.action, "FAILURE", keysOfA.VIEWER.id, "VIEWER", `FORBIDDEN: ${message}`]] : [],
        );
      } else {
        expect(outcome).not.toMatch(/^(FORBIDDEN|UNAUTHORIZED)/);
      }
      expect(await snapshotOfA()).toEqual(before);
    });

    it.each(protectedPaths)("%s: an editor is refused exactly when it is admin-only, changing nothing", async (path) => {
      const { caller } = callerAs(deps, keysOfA.EDITOR.auth);
      if (ROLE_TABLE[path] === "ADMIN") {
        const before = await snapshotOfA();
        const outcome = await outcomeOf(procedureAt(caller, path)(OWN_INPUTS[path]?.(world.ids)));
        expect(outcome).toBe("FORBIDDEN: This needs the admin role; your key has the editor role");
        expect(await snapshotOfA()).toEqual(before);
      } else {
        // No input, so nothing is changed: the call must get past the role check (to an answer or a validation error).
        expect(await outcomeOf(procedureAt(caller, path)(undefined))).not.toMatch(/^(FORBIDDEN|UNAUTHORIZED)/);
      }
    });

    it.each(protectedPaths)("%s: an admin is never refused", async (path) => {
      const { caller } = callerAs(deps, keysOfA.ADMIN.auth);
      expect(await outcomeOf(procedureAt(caller, path)(undefined))).not.toMatch(/^(FORBIDDEN|UNAUTHORIZED)/);
    });

    beforeAll(async () => {
      const a = await seedTenant(deps, "tenant-a");
      const b = await seedTenant(deps, "tenant-b");
      await createLocalConnection(deps, a.id, FILES, root.path);
      await createLocalConnection(deps, a.id, A_PRIVATE, root.path);
      await createLocalConnection(deps, b.id, FILES, root.path);
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
          connectionName: A_PRIVATE,
        },
        asB: callerAs(deps, b.admin.auth).caller,
        deps,
      };
      keysOfA = {
        VIEWER: await createTestKey(deps, a.id, "tenant-a viewer", "VIEWER"),
        EDITOR: a.member,
        ADMIN: a.admin,
      };
      snapshotOfA = async () => ({
        ingestions: await db.ingestion.findMany({ where: { tenantId: a.id }, orderBy: { id: "asc" } }),
        keys: await db.apiKey.findMany({ where: { tenantId: a.id }, orderBy: { id: "asc" } }),
        sessions: await db.session.findMany({ where: { tenantId: a.id }, orderBy: { id: "asc" } }),
        runs: await db.run.findMany({ where: { ingestion: { tenantId: a.id } }, orderBy: { id: "asc" } }),
        files: await db.processedFile.findMany({ where: { ingestion: { tenantId: a.id } }, orderBy: { id: "asc" } }),
        connections: await db.connection.findMany({ where: { tenantId: a.id }, orderBy: { id: "asc" } }),
        tenant: await db.tenant.findUniqueOrThrow({ where: { id: a.id } }),
      });
    });

    it.each(protectedPaths)("%s keeps tenant B out of tenant A's data", async (path) => {
      const entry = crossTenantCases[path];
      if (!entry) throw new Error(`No tenant-isolation case for ${path}: add one to crossTenantCases`);
      const before = await snapshotOfA();
      if ("input" in entry) {
        const input = entry.input(world.ids) as { id?: string; ingestionId?: string; name?: string; source?: { connection?: string } };
        const error = await rejectionOf(procedureAt(world.asB, path)(input));
        const named = input.id ?? input.ingestionId ?? input.name ?? input.source?.connection;
        expect({ code: error.code, message: error.message }).toEqual({
          code: "NOT_FOUND",
          message: expect.stringMatching(new RegExp(`^No (ingestion|API key|run|file|connection) '${named}'$`)),
        });
      } else {
        await entry.check(world);
      }
      expect(await snapshotOfA()).toEqual(before);
    });
  });
});
