// The audit log through the router against a real database: each audited call leaves one row with
// its actor, role, target and outcome (refusals included), a tenant sees only its own, admins only,
// pages and filters, and no secret in any row.
import { afterAll, beforeAll, expect, it } from "vitest";
import { revokeApiKey } from "@/server/services/auth/api-keys";
import { resolveSession } from "@/server/services/auth/sessions";
import type { ServiceDeps } from "@/server/services/deps";
import { callerAs, createTestKey, rejectionOf, seedTenant, TEST_SESSION_SECRET, zodIssuesOf, type TestKey, type TestTenant } from "@/test/api-callers";
import { createTestDatabase, describeEachDatabase, type TestDatabase } from "@/test/databases";
import { recordingLogger, testClock, testDeps, type TestClock } from "@/test/service-deps";

const MINUTE = 60_000;

describeEachDatabase("audit log", (kind) => {
  let t: TestDatabase;
  let clock: TestClock;
  let deps: ServiceDeps;
  let acme: TestTenant;
  let viewer: TestKey;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    clock = testClock();
    deps = testDeps(t.database.prisma, { clock });
    acme = await seedTenant(deps, "acme");
    viewer = await createTestKey(deps, acme.id, "acme viewer", "VIEWER");
  });
  afterAll(() => t.destroy());

  const db = () => t.database.prisma;
  const eventsOf = (tenantId: string, action: string) =>
    db().auditEvent.findMany({ where: { tenantId, action }, orderBy: [{ at: "asc" }, { id: "asc" }] });

  it("records key creation and revocation with the actor, role, target and details, and never the new key", async () => {
    clock.advance(MINUTE);
    const admin = callerAs(deps, acme.admin.auth).caller;
    const created = await admin.keys.create({ name: "ci loader", role: "VIEWER" });
    const [create] = await eventsOf(acme.id, "key.create");
    expect(create).toMatchObject({
      tenantId: acme.id,
      at: clock.now,
      actorKind: "api-key",
      apiKeyId: acme.admin.id,
      actorName: "acme admin",
      actorRole: "ADMIN",
      targetType: "key",
      targetId: created.apiKey.id,
      targetName: "ci loader",
      outcome: "SUCCESS",
      error: null,
      details: { input: { name: "ci loader", role: "VIEWER" } },
    });
    expect(JSON.stringify(create)).not.toContain(created.key);

    clock.advance(MINUTE);
    await admin.keys.revoke({ id: created.apiKey.id });
    // A second revoke fails: recorded too, with the code and message the caller got.
    await rejectionOf(admin.keys.revoke({ id: created.apiKey.id }));
    const revokes = await eventsOf(acme.id, "key.revoke");
    expect(revokes.map((e) => [e.outcome, e.targetId, e.targetName, e.error])).toEqual([
      ["SUCCESS", created.apiKey.id, "ci loader", null],
      ["FAILURE", created.apiKey.id, "ci loader", "BAD_REQUEST: API key 'ci loader' is already revoked"],
    ]);
  });

  it("records a FORBIDDEN attempt as a FAILURE of the caller's role, and the attempt changes nothing", async () => {
    const keysBefore = await db().apiKey.count({ where: { tenantId: acme.id } });
    const error = await rejectionOf(callerAs(deps, viewer.auth).caller.keys.create({ name: "escalate", role: "ADMIN" }));
    expect({ code: error.code, message: error.message }).toEqual({
      code: "FORBIDDEN",
      message: "This needs the admin role; your key has the viewer role",
    });
    expect(await db().apiKey.count({ where: { tenantId: acme.id } })).toBe(keysBefore);
    const [event] = await db().auditEvent.findMany({ where: { tenantId: acme.id, action: "key.create", outcome: "FAILURE" } });
    expect(event).toMatchObject({
      apiKeyId: viewer.id,
      actorName: "acme viewer",
      actorRole: "VIEWER",
      targetType: "key",
      targetId: null,
      targetName: "escalate",
      error: "FORBIDDEN: This needs the admin role; your key has the viewer role",
      details: { input: { name: "escalate", role: "ADMIN" } },
    });
  });

  it("records sign-in (the key is the actor) and sign-out (through the session); unknown keys leave no row", async () => {
    const { caller, cookies } = callerAs(deps, null);
    await caller.auth.signIn({ apiKey: acme.member.key });
    const session = await resolveSession(deps, cookies.sets[0]!.value, TEST_SESSION_SECRET);
    await callerAs(deps, session).caller.auth.signOut();
    const [signIn] = await eventsOf(acme.id, "auth.signIn");
    expect(signIn).toMatchObject({
      actorKind: "api-key",
      apiKeyId: acme.member.id,
      actorName: "acme member",
      actorRole: "EDITOR",
      targetType: "key",
      targetId: acme.member.id,
      outcome: "SUCCESS",
      details: { result: { expiresAt: new Date(clock.now.getTime() + 24 * 60 * MINUTE).toISOString() } },
    });
    expect(JSON.stringify(signIn)).not.toContain(acme.member.key);
    const [signOut] = await eventsOf(acme.id, "auth.signOut");
    expect(signOut).toMatchObject({ actorKind: "session", apiKeyId: acme.member.id, actorRole: "EDITOR", outcome: "SUCCESS" });

    // A revoked key of the tenant: a FAILURE in its tenant's log. An unknown key: nothing anywhere.
    const leaving = await createTestKey(deps, acme.id, "leaving", "EDITOR");
    await revokeApiKey(deps, acme.id, leaving.id);
    const total = await db().auditEvent.count();
    await rejectionOf(callerAs(deps, null).caller.auth.signIn({ apiKey: leaving.key }));
    await rejectionOf(callerAs(deps, null).caller.auth.signIn({ apiKey: `al_${"x".repeat(32)}` }));
    await rejectionOf(callerAs(deps, null).caller.auth.signIn({ apiKey: "not a key" }));
    expect(await db().auditEvent.count()).toBe(total + 1);
    const [refused] = await db().auditEvent.findMany({ where: { tenantId: acme.id, action: "auth.signIn", outcome: "FAILURE" } });
    expect(refused).toMatchObject({
      apiKeyId: leaving.id,
      actorName: "leaving",
      error: "UNAUTHORIZED: That API key is not valid, has expired or has been revoked",
    });
    expect(JSON.stringify(refused)).not.toContain(leaving.key);
    // Reads and calls without credentials are not recorded.
    await callerAs(deps, acme.admin.auth).caller.keys.list();
    await rejectionOf(callerAs(deps, null).caller.keys.create({ name: "anon" }));
    expect(await db().auditEvent.count()).toBe(total + 1);
  });

  it("lists to admins only, newest first, and only the caller's tenant", async () => {
    const other = await seedTenant(deps, "other");
    await callerAs(deps, other.admin.auth).caller.keys.create({ name: "other's key" });
    for (const auth of [viewer.auth, acme.member.auth]) {
      const role = auth.role === "VIEWER" ? "viewer" : "editor";
      await expect(callerAs(deps, auth).caller.audit.list()).rejects.toMatchObject({
        code: "FORBIDDEN",
        message: `This needs the admin role; your key has the ${role} role`,
      });
    }
    const page = await callerAs(deps, acme.admin.auth).caller.audit.list({ limit: 100 });
    const rows = await db().auditEvent.findMany({ where: { tenantId: acme.id }, orderBy: [{ at: "desc" }, { id: "desc" }] });
    expect(page.items.map((e) => e.id)).toEqual(rows.map((r) => r.id));
    expect(page.items.some((e) => e.target?.name === "other's key")).toBe(false);
    const theirs = await callerAs(deps, other.admin.auth).caller.audit.list();
    expect(theirs.items.map((e) => [e.action, e.target?.name])).toEqual([["key.create", "other's key"]]);
    expect(theirs.items[0]).toEqual({
      id: expect.any(String),
      at: clock.now,
      actor: { kind: "api-key", apiKeyId: other.admin.id, name: "other admin", role: "ADMIN" },
      action: "key.create",
      target: { type: "key", id: expect.any(String), name: "other's key" },
      outcome: "SUCCESS",
      error: null,
      details: { input: { name: "other's key" } },
    });
  });

  it("pages with a cursor and filters by action, action family, target, outcome and time", async () => {
    const pager = await seedTenant(deps, "pager");
    const admin = callerAs(deps, pager.admin.auth).caller;
    const made: string[] = [];
    const start = clock.now;
    for (let i = 0; i < 5; i++) {
      clock.advance(MINUTE);
      made.push((await admin.keys.create({ name: `k${i}` })).apiKey.id);
    }
    clock.advance(MINUTE);
    await admin.keys.revoke({ id: made[0]! });
    await rejectionOf(admin.keys.revoke({ id: made[0]! }));

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof admin.audit.list>> = await admin.audit.list({ limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((e) => `${e.action}:${e.target?.name}:${e.outcome}`));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([
      "key.revoke:k0:FAILURE",
      "key.revoke:k0:SUCCESS",
      "key.create:k4:SUCCESS",
      "key.create:k3:SUCCESS",
      "key.create:k2:SUCCESS",
      "key.create:k1:SUCCESS",
      "key.create:k0:SUCCESS",
    ]);

    const names = async (input: Parameters<typeof admin.audit.list>[0]) =>
      (await admin.audit.list(input)).items.map((e) => `${e.action}:${e.target?.name}:${e.outcome}`);
    expect(await names({ action: "key.revoke" })).toEqual(["key.revoke:k0:FAILURE", "key.revoke:k0:SUCCESS"]);
    expect(await names({ action: "key" })).toHaveLength(7);
    expect(await names({ action: "ingestion" })).toEqual([]);
    expect(await names({ targetId: made[0]! })).toEqual(["key.revoke:k0:FAILURE", "key.revoke:k0:SUCCESS", "key.create:k0:SUCCESS"]);
    expect(await names({ outcome: "FAILURE" })).toEqual(["key.revoke:k0:FAILURE"]);
    expect(await names({ since: new Date(start.getTime() + 4 * MINUTE) })).toEqual([
      "key.revoke:k0:FAILURE",
      "key.revoke:k0:SUCCESS",
      "key.create:k4:SUCCESS",
      "key.create:k3:SUCCESS",
    ]);
    expect(zodIssuesOf(await rejectionOf(admin.audit.list({ action: "DROP TABLE" })))).toEqual({
      action: ["Action must look like 'ingestion.delete' or 'ingestion'"],
    });
    // Another tenant's event is no cursor here.
    const foreign = await db().auditEvent.findFirstOrThrow({ where: { tenantId: acme.id } });
    await expect(admin.audit.list({ cursor: foreign.id })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: `Cursor '${foreign.id}' is not an event of this audit log`,
    });
  });

  it("never breaks the call it records: a failed insert is logged and the call succeeds", async () => {
    const log = recordingLogger();
    const real = t.database.prisma;
    const broken = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === "auditEvent") {
          return { create: () => Promise.reject(new Error("audit table is gone")) };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const brokenDeps: ServiceDeps = { ...deps, db: broken, log };
    const created = await callerAs(brokenDeps, acme.admin.auth).caller.keys.create({ name: "despite the log" });
    expect(await real.apiKey.count({ where: { id: created.apiKey.id } })).toBe(1);
    expect(log.lines).toEqual([
      { level: "error", message: "Audit: could not record key.create by 'acme admin': audit table is gone" },
    ]);
    expect(await real.auditEvent.count({ where: { targetName: "despite the log" } })).toBe(0);
  });
});
