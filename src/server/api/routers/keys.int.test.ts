// The keys router through createCaller against a real database: admin-only creation, the key
// shown once and stored hashed, listings without secrets, revocation and its guard.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { authenticateApiKey } from "@/server/services/auth/authenticate-api-key";
import { resolveSession } from "@/server/services/auth/sessions";
import type { ServiceDeps } from "@/server/services/deps";
import {
  callerAs,
  createTestKey,
  rejectionOf,
  seedTenant,
  TEST_SESSION_SECRET,
  zodIssuesOf,
  type TestTenant,
} from "@/test/api-callers";
import { createTestDatabase, describeEachDatabase, type TestDatabase } from "@/test/databases";
import { testClock, testDeps, type TestClock } from "@/test/service-deps";

const API_KEY_VIEW_FIELDS = ["createdAt", "id", "isAdmin", "lastUsedAt", "name", "prefix", "revokedAt"];

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
    await expect(member.keys.create({ name: "sneaky", isAdmin: true })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "This needs an admin API key",
    });
    await expect(member.keys.revoke({ id: acme.admin.id })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "This needs an admin API key",
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
      isAdmin: false,
      lastUsedAt: null,
      revokedAt: null,
    });

    const row = await t.database.prisma.apiKey.findUniqueOrThrow({ where: { id: created.apiKey.id } });
    expect(row.hash).toBe(createHash("sha256").update(created.key).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(created.key);

    await expect(authenticateApiKey(deps, created.key)).resolves.toEqual({
      tenantId: acme.id,
      apiKeyId: created.apiKey.id,
      isAdmin: false,
      via: "api-key",
    });
    const adminKey = await admin.keys.create({ name: "second admin", isAdmin: true });
    await expect(authenticateApiKey(deps, adminKey.key)).resolves.toMatchObject({ isAdmin: true });
  });

  it("lists the tenant's keys without hashes or secrets, to admins and members alike", async () => {
    const other = await seedTenant(deps, "other");
    for (const auth of [acme.admin.auth, acme.member.auth]) {
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

  it("refuses to revoke the tenant's last admin key; revoked admin keys do not count", async () => {
    const solo = await seedTenant(deps, "solo");
    const admin = callerAs(deps, solo.admin.auth).caller;
    const lastAdmin = {
      code: "PRECONDITION_FAILED",
      message: "API key 'solo admin' is the tenant's last admin key; create another admin key before revoking it",
    };
    await expect(admin.keys.revoke({ id: solo.admin.id })).rejects.toMatchObject(lastAdmin);

    const spare = await admin.keys.create({ name: "spare admin", isAdmin: true });
    await admin.keys.revoke({ id: spare.apiKey.id });
    await expect(admin.keys.revoke({ id: solo.admin.id })).rejects.toMatchObject(lastAdmin);

    const successor = await admin.keys.create({ name: "successor", isAdmin: true });
    await expect(admin.keys.revoke({ id: solo.admin.id })).resolves.toMatchObject({ revokedAt: clock.now });
    // A non-admin key can always be revoked, and the successor is now the last admin.
    await admin.keys.revoke({ id: solo.member.id });
    const successorCaller = callerAs(deps, { tenantId: solo.id, apiKeyId: successor.apiKey.id, isAdmin: true, via: "api-key" });
    await expect(successorCaller.caller.keys.revoke({ id: successor.apiKey.id })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: "API key 'successor' is the tenant's last admin key; create another admin key before revoking it",
    });
  });
});
