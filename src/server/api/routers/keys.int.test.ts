// The keys router through createCaller against a real database: admin-only creation, the key
// shown once and stored hashed, listings without secrets, revocation and its guard.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { authenticateApiKey } from "@/server/services/auth/authenticate-api-key";
import { resolveSession } from "@/server/services/auth/sessions";
import type { ServiceDeps } from "@/server/deps";
import { callerAs, createTestKey, rejectionOf, seedTenant, TEST_SESSION_SECRET, zodIssuesOf, type TestTenant, createTestDatabase, describeEachDatabase, type TestDatabase, testClock, testDeps, type TestClock } from "@/test/world";

const API_KEY_VIEW_FIELDS = ["createdAt", "expiresAt", "id", "lastUsedAt", "name", "prefix", "revokedAt", "role"];

describeEachDatabase("keys router", (kind) => {
  let t: TestDatabase;
  let clock: TestClock;
  let deps: ServiceDeps;
  let acme: TestTenant;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    clock = testClock();
    deps = testDeps(t.database.prisma, { clock });
    acme = await seedTenant(deps, "acme");
  });
  afterAll(() => t.destroy());

  it("refuses to create or revoke keys with a non-admin key", async () => {
    const member = callerAs(deps, acme.member.auth).caller;
    await expect(member.keys.create({ name: "sneaky", role: "ADMIN" })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "This needs the admin role; your key has the editor role",
    });
    await expect(member.keys.revoke({ id: acme.admin.id })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "This needs the admin role; your key has the editor role",
    });
    expect(await t.database.prisma.apiKey.count({ where: { name: "sneaky" } })).toBe(0);
    expect((await t.database.prisma.apiKey.findUniqueOrThrow({ where: { id: acme.admin.id } })).revokedAt).toBeNull();
  });

  it("creates a key, returns it once, and stores only its hash", async () => {
    const admin = callerAs(deps, acme.admin.auth).caller;
    const created = await admin.keys.create({ name: "  ingest service  " });
    expect(Object.keys(created).sort()).toEqual(["apiKey", "key"]);
    expect(Object.keys(created.apiKey).sort()).toEqual(API_KEY_VIEW_FIELDS);
    expect(created.key).toMatch(/^al_[A-Za-z0-9_-]{32}$/);
    expect(created.apiKey).toMatchObject({
      name: "ingest service",
      prefix: created.key.slice(0, 9),
      role: "EDITOR",
      lastUsedAt: null,
      revokedAt: null,
    });

    const row = await t.database.prisma.apiKey.findUniqueOrThrow({ where: { id: created.apiKey.id } });
    expect(row.hash).toBe(createHash("sha256").update(created.key).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(created.key);

    await expect(authenticateApiKey(deps, created.key)).resolves.toEqual({
      tenantId: acme.id,
      apiKeyId: created.apiKey.id,
      role: "EDITOR",
      via: "api-key",
    });
    const adminKey = await admin.keys.create({ name: "second admin", role: "ADMIN" });
    await expect(authenticateApiKey(deps, adminKey.key)).resolves.toMatchObject({ role: "ADMIN" });
  });

  it("lists the tenant's keys without hashes or secrets, to admins only", async () => {
    const other = await seedTenant(deps, "other");
    // Names and prefixes of every key are the admin's business: an editor is refused.
    await expect(callerAs(deps, acme.member.auth).caller.keys.list()).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "This needs the admin role; your key has the editor role",
    });
    for (const auth of [acme.admin.auth]) {
      const keys = await callerAs(deps, auth).caller.keys.list();
      expect(keys.length).toBeGreaterThanOrEqual(2);
      for (const key of keys) expect(Object.keys(key).sort()).toEqual(API_KEY_VIEW_FIELDS);
      const ids = keys.map((k) => k.id);
      expect(ids).toEqual(expect.arrayContaining([acme.admin.id, acme.member.id]));
      expect(ids).not.toContain(other.admin.id);
      expect(ids).not.toContain(other.member.id);
      const text = JSON.stringify(keys);
      for (const secret of [acme.admin.key, acme.member.key]) expect(text).not.toContain(secret);
    }
  });

  it("validates the key name", async () => {
    const admin = callerAs(deps, acme.admin.auth).caller;
    expect(zodIssuesOf(await rejectionOf(admin.keys.create({ name: "   " })))).toEqual({ name: ["Key name is required"] });
    expect(zodIssuesOf(await rejectionOf(admin.keys.create({ name: "k".repeat(101) })))).toEqual({
      name: ["Key name must be at most 100 characters"],
    });
  });

  it("revokes a key: it stops authenticating and its sessions stop resolving", async () => {
    const key = await createTestKey(deps, acme.id, "leaving", false);
    const { caller: anonymous, cookies } = callerAs(deps, null);
    await anonymous.auth.signIn({ apiKey: key.key });
    const cookie = cookies.sets[0]!.value;
    expect(await resolveSession(deps, cookie, TEST_SESSION_SECRET)).not.toBeNull();

    clock.advance(60_000);
    const admin = callerAs(deps, acme.admin.auth).caller;
    const revoked = await admin.keys.revoke({ id: key.id });
    expect(revoked).toMatchObject({ id: key.id, name: "leaving", revokedAt: clock.now });
    expect(Object.keys(revoked).sort()).toEqual(API_KEY_VIEW_FIELDS);

    expect(await resolveSession(deps, cookie, TEST_SESSION_SECRET)).toBeNull();
    expect(await t.database.prisma.session.count({ where: { apiKeyId: key.id } })).toBe(0);
    expect(await authenticateApiKey(deps, key.key)).toBeNull();
    await expect(admin.keys.revoke({ id: key.id })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "API key 'leaving' is already revoked",
    });
    await expect(admin.keys.revoke({ id: "no-such-key" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "No API key 'no-such-key'",
    });
  });

  it("stops an expired key at its expiry, with its sessions, in the same instant; refuses an expiry in the past", async () => {
    const admin = callerAs(deps, acme.admin.auth).caller;
    const expiresAt = new Date(clock.now.getTime() + 3_600_000);
    const created = await admin.keys.create({ name: "temporary", role: "VIEWER", expiresAt });
    expect(created.apiKey).toMatchObject({ role: "VIEWER", expiresAt });
    const { caller: anonymous, cookies } = callerAs(deps, null);
    await anonymous.auth.signIn({ apiKey: created.key });
    const cookie = cookies.sets[0]!.value;

    clock.now = new Date(expiresAt.getTime() - 1);
    await expect(authenticateApiKey(deps, created.key)).resolves.toMatchObject({ apiKeyId: created.apiKey.id, role: "VIEWER" });
    await expect(resolveSession(deps, cookie, TEST_SESSION_SECRET)).resolves.toMatchObject({ apiKeyId: created.apiKey.id });
    clock.now = expiresAt;
    expect(await authenticateApiKey(deps, created.key)).toBeNull();
    expect(await resolveSession(deps, cookie, TEST_SESSION_SECRET)).toBeNull();
    await expect(callerAs(deps, null).caller.auth.signIn({ apiKey: created.key })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "That API key is not valid, has expired or has been revoked",
    });
    // The listing shows it as it is: expired, not revoked.
    const listed = (await admin.keys.list()).find((k) => k.id === created.apiKey.id);
    expect(listed).toMatchObject({ expiresAt, revokedAt: null });

    await expect(admin.keys.create({ name: "already over", expiresAt: clock.now })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Expiry must be in the future",
    });
    expect(await t.database.prisma.apiKey.count({ where: { name: "already over" } })).toBe(0);
  });

  it("stops a revoked key's API calls and sessions in the same instant it is revoked", async () => {
    const key = await createTestKey(deps, acme.id, "revoked at once", "EDITOR");
    const { caller: anonymous, cookies } = callerAs(deps, null);
    await anonymous.auth.signIn({ apiKey: key.key });
    const cookie = cookies.sets[0]!.value;
    // No clock movement between the revoke and the checks.
    await callerAs(deps, acme.admin.auth).caller.keys.revoke({ id: key.id });
    expect(await authenticateApiKey(deps, key.key)).toBeNull();
    expect(await resolveSession(deps, cookie, TEST_SESSION_SECRET)).toBeNull();
  });

  it("refuses to revoke the tenant's last admin key; revoked admin keys do not count", async () => {
    const solo = await seedTenant(deps, "solo");
    const admin = callerAs(deps, solo.admin.auth).caller;
    const lastAdmin = {
      code: "PRECONDITION_FAILED",
      message: "API key 'solo admin' is the tenant's last admin key; create another admin key before revoking it",
    };
    await expect(admin.keys.revoke({ id: solo.admin.id })).rejects.toMatchObject(lastAdmin);

    const spare = await admin.keys.create({ name: "spare admin", role: "ADMIN" });
    await admin.keys.revoke({ id: spare.apiKey.id });
    await expect(admin.keys.revoke({ id: solo.admin.id })).rejects.toMatchObject(lastAdmin);

    const successor = await admin.keys.create({ name: "successor", role: "ADMIN" });
    await expect(admin.keys.revoke({ id: solo.admin.id })).resolves.toMatchObject({ revokedAt: clock.now });
    // A non-admin key can always be revoked, and the successor is now the last admin.
    await admin.keys.revoke({ id: solo.member.id });
    const successorCaller = callerAs(deps, { tenantId: solo.id, apiKeyId: successor.apiKey.id, role: "ADMIN", via: "api-key" });
    await expect(successorCaller.caller.keys.revoke({ id: successor.apiKey.id })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: "API key 'successor' is the tenant's last admin key; create another admin key before revoking it",
    });
  });
});
