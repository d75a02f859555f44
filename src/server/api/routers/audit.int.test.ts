// The audit log through the router against a real database: each audited call leaves one row with
// its actor, role, target and outcome (refusals included), a tenant sees only its own, admins only,
// pages and filters, and no secret in any row.
import { afterAll, beforeAll, expect, it } from "vitest";
import { revokeApiKey } from "@/server/services/auth/api-keys";
import { resolveSession } from "@/server/services/auth/sessions";
import type { ServiceDeps } from "@/server/deps";
import { callerAs, createTestKey, rejectionOf, seedTenant, TEST_SESSION_SECRET, zodIssuesOf, type TestKey, type TestTenant, createTestDatabase, describeEachDatabase, type TestDatabase, recordingLogger, testClock, testDeps, type TestClock, type AppCaller, createRunWorld, type RunWorld, grantsWith, withConfig } from "@/test/world";
import path from "node:path";
import { jsonl, writeFiles } from "@/test/run-fixtures";

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

// Each audited action on ingestions, runs, files and connections leaves its row (actor, role,
// target, outcome, details), through the router with real runs on local files, and no secret of a
// connection ever lands in the log.
const SECRET_ACCESS_KEY = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";
const ACCESS_KEY_ID = "AKIAAUDITTESTKEY0001";
const SESSION_TOKEN = "FwoGZXIvYXdzEAudit-session-token";

describeEachDatabase("audited actions", (kind) => {
  let t: TestDatabase;
  let world: RunWorld;
  let editor: TestKey;
  let admin: TestKey;
  let asEditor: AppCaller;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    world = await createRunWorld(t.database.prisma, { clock: testClock(new Date()), tenantSlug: "audited" });
    editor = await createTestKey(world.deps, world.tenant.id, "loader bot", "EDITOR");
    admin = await createTestKey(world.deps, world.tenant.id, "ops", "ADMIN");
    asEditor = callerAs(world.deps, editor.auth).caller;
  });
  afterAll(async () => {
    await world.cleanup();
    await t.destroy();
  });

  const rows = () =>
    world.deps.db.auditEvent.findMany({ where: { tenantId: world.tenant.id }, orderBy: [{ at: "asc" }, { id: "asc" }] });

  it("records the life of an ingestion: create, update, pause, resume, trigger, retry, reprocess, clear, refresh, delete", async () => {
    await writeFiles(path.join(world.root, "orders"), { "a.jsonl": jsonl([{ id: 1 }, { id: 2 }]) });
    const created = await asEditor.ingestions.create({
      name: "Orders",
      source: { connection: "files", path: "orders" },
      format: { type: "JSON" },
      destination: { schema: "raw", table: "orders" },
    });
    const id = created.id;
    await asEditor.ingestions.update({ id, patch: { description: "shop orders" } });
    await asEditor.ingestions.pause({ id });
    await asEditor.ingestions.resume({ id });
    const run = await asEditor.runs.trigger({ ingestionId: id });
    await world.executor.idle();
    await expect(asEditor.runs.retry({ id: run.runId })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const files = await asEditor.files.list({ ingestionId: id });
    const reprocessed = await asEditor.files.reprocess({ ingestionId: id, fileIds: files.items.map((f) => f.id) });
    const cleared = await asEditor.files.clear({ ingestionId: id, confirm: true });
    await asEditor.ingestions.refresh({ id, mode: "NEW_ONLY", dryRun: true });
    const deleted = await asEditor.ingestions.delete({ id, dropTable: true });
    await world.executor.idle();

    const events = (await rows()).filter((e) => e.targetId === id || e.targetId === run.runId);
    expect(events.map((e) => [e.action, e.outcome, e.targetType, e.targetName])).toEqual([
      ["ingestion.create", "SUCCESS", "ingestion", "Orders"],
      ["ingestion.update", "SUCCESS", "ingestion", "Orders"],
      ["ingestion.pause", "SUCCESS", "ingestion", "Orders"],
      ["ingestion.resume", "SUCCESS", "ingestion", "Orders"],
      ["run.trigger", "SUCCESS", "ingestion", "Orders"],
      ["run.retry", "FAILURE", "run", "Orders"],
      ["file.reprocess", "SUCCESS", "ingestion", "Orders"],
      ["file.clear", "SUCCESS", "ingestion", "Orders"],
      ["ingestion.refresh", "SUCCESS", "ingestion", "Orders"],
      // The name was read before the delete removed it.
      ["ingestion.delete", "SUCCESS", "ingestion", "Orders"],
    ]);
    for (const e of events) {
      expect(e).toMatchObject({ actorKind: "api-key", apiKeyId: editor.id, actorName: "loader bot", actorRole: "EDITOR" });
    }
    const byAction = Object.fromEntries(events.map((e) => [e.action, e]));
    expect(byAction["ingestion.update"]?.details).toMatchObject({
      input: { patch: { description: "shop orders" } },
      result: { description: "shop orders", status: "ACTIVE" },
    });
    expect(byAction["run.trigger"]?.details).toEqual({ result: { method: "direct", runId: run.runId } });
    expect(byAction["run.retry"]?.error).toMatch(/^BAD_REQUEST: /);
    expect(byAction["file.reprocess"]?.details).toEqual({
      input: { fileIds: files.items.map((f) => f.id) },
      result: { files: reprocessed.files, rowsRemoved: reprocessed.rowsRemoved, message: reprocessed.message },
    });
    expect(reprocessed.files).toBe(1);
    expect(byAction["file.clear"]?.details).toMatchObject({ result: { filesForgotten: cleared.filesForgotten } });
    expect(byAction["ingestion.refresh"]?.details).toMatchObject({ input: { mode: "NEW_ONLY", dryRun: true }, result: { dryRun: true, executed: false } });
    expect(byAction["ingestion.delete"]?.details).toMatchObject({
      input: { dropTable: true },
      result: { table: "raw.orders", tableDropped: deleted.tableDropped, rowsDropped: deleted.rowsDropped },
    });
  });

  it("records connection changes without their credentials: create, update, test, delete, and a refused one", async () => {
    const endpoint = "http://127.0.0.1:9";
    // Callers over deps granted the endpoint; the suite's own stay as they were.
    const granted = withConfig(world.deps, { config: { grants: grantsWith(world.deps.config.grants, { endpoints: [endpoint] }) } });
    const asEditor = callerAs(granted, editor.auth).caller;
    const asAdmin = callerAs(granted, admin.auth).caller;
    const before = (await rows()).length;
    const credentials = { kind: "KEYS" as const, accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, sessionToken: SESSION_TOKEN };
    const created = await asAdmin.connections.create({
      name: "lake",
      location: { type: "S3", bucket: "acme-lake", endpoint, forcePathStyle: true, credentials },
    });
    await asAdmin.connections.update({
      name: "lake",
      patch: { location: { type: "S3", bucket: "acme-lake", endpoint, forcePathStyle: true, credentials: { ...credentials, secretAccessKey: `${SECRET_ACCESS_KEY}2` } } },
    });
    await asEditor.connections.test({ name: "lake" }).catch(() => undefined);
    // An editor may not create one: the refusal is recorded, its credentials are not.
    await expect(
      asEditor.connections.create({ name: "sneaky", location: { type: "S3", bucket: "b", endpoint, credentials } }),
    ).rejects.toMatchObject({ code: "FORBIDDEN", message: "This needs the admin role; your key has the editor role" });
    await asAdmin.connections.delete({ name: "lake" });

    const events = (await rows()).slice(before);
    expect(events.map((e) => [e.action, e.outcome, e.actorName, e.targetType, e.targetName, e.targetId])).toEqual([
      ["connection.create", "SUCCESS", "ops", "connection", "lake", created.id],
      ["connection.update", "SUCCESS", "ops", "connection", "lake", created.id],
      ["connection.test", expect.stringMatching(/^(SUCCESS|FAILURE)$/), "loader bot", "connection", "lake", created.id],
      ["connection.create", "FAILURE", "loader bot", "connection", "sneaky", null],
      ["connection.delete", "SUCCESS", "ops", "connection", "lake", created.id],
    ]);
    expect(events[0]?.details).toMatchObject({
      input: { name: "lake", location: { type: "S3", bucket: "acme-lake", endpoint, forcePathStyle: true, credentials: { kind: "KEYS" } } },
    });
    // No secret in any row of the whole log, whatever the column.
    const text = JSON.stringify(await rows());
    for (const secret of [SECRET_ACCESS_KEY, ACCESS_KEY_ID, SESSION_TOKEN, editor.key, admin.key]) expect(text).not.toContain(secret);
    const logged = JSON.stringify((world.deps.log as { lines?: unknown }).lines ?? []);
    for (const secret of [SECRET_ACCESS_KEY, ACCESS_KEY_ID, SESSION_TOKEN]) expect(logged).not.toContain(secret);
  });
});
