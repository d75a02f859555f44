// The auth router through createCaller against a real database: sign-in sets a signed session
// cookie that resolves to the key's tenant, refusals, sign-out, expiry and `me`.
import { afterAll, beforeAll, expect, it } from "vitest";
import { resolveSession } from "@/server/services/auth/sessions";
import { revokeApiKey } from "@/server/services/auth/api-keys";
import type { ServiceDeps } from "@/server/deps";
import { callerAs, createTestKey, seedTenant, TEST_SESSION_SECRET, type TestTenant, createTestDatabase, describeEachDatabase, type TestDatabase, testClock, testDeps, type TestClock } from "@/test/world";

const HOUR = 3_600_000;
const TTL_HOURS = 12;

describeEachDatabase("auth router", (kind) => {
  let t: TestDatabase;
  let clock: TestClock;
  let deps: ServiceDeps;
  let acme: TestTenant;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    clock = testClock();
    deps = testDeps(t.database.prisma, { clock, sessionTtlHours: TTL_HOURS });
    acme = await seedTenant(deps, "acme");
  });
  afterAll(() => t.destroy());

  const anonymous = () => callerAs(deps, null);

  it("signs in with a valid key: sets a signed cookie that expires after the session TTL and resolves to the key", async () => {
    const { caller, cookies } = anonymous();
    const result = await caller.auth.signIn({ apiKey: `  ${acme.member.key} ` });
    const expiresAt = new Date(clock.now.getTime() + TTL_HOURS * HOUR);
    expect(result).toEqual({ tenant: { id: acme.id, name: "acme" }, expiresAt });
    expect(cookies.clears).toBe(0);
    expect(cookies.sets).toHaveLength(1);
    const cookie = cookies.sets[0]!;
    expect(cookie.expiresAt).toEqual(expiresAt);
    // token.signature, both base64url; the API key itself is not in it.
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    expect(cookie.value).not.toContain(acme.member.key);

    const session = await resolveSession(deps, cookie.value, TEST_SESSION_SECRET);
    expect(session).toEqual({
      tenantId: acme.id,
      apiKeyId: acme.member.id,
      role: "EDITOR",
      via: "session",
      sessionId: expect.any(String),
    });
    const row = await t.database.prisma.session.findUniqueOrThrow({ where: { id: session!.sessionId! } });
    expect(row).toMatchObject({ tenantId: acme.id, apiKeyId: acme.member.id, expiresAt });
    // Only a hash of the token is stored.
    expect(row.tokenHash).not.toBe(cookie.value.split(".")[0]);

    // The signature is checked: another secret, or a changed token, resolves to nothing.
    expect(await resolveSession(deps, cookie.value, "another-secret-that-is-long-enough-0123456789")).toBeNull();
    const [token, signature] = cookie.value.split(".") as [string, string];
    const flipped = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}.${signature}`;
    expect(await resolveSession(deps, flipped, TEST_SESSION_SECRET)).toBeNull();
  });

  it("refuses a wrong key, a malformed key and a revoked key with the same message, setting no cookie", async () => {
    const revocable = await createTestKey(deps, acme.id, "to revoke", false);
    await revokeApiKey(deps, acme.id, revocable.id);
    const wrong = `al_${"x".repeat(32)}`;
    for (const apiKey of [wrong, "not-a-key", revocable.key]) {
      const { caller, cookies } = anonymous();
      await expect(caller.auth.signIn({ apiKey })).rejects.toMatchObject({
        code: "UNAUTHORIZED",
        message: "That API key is not valid, has expired or has been revoked",
      });
      expect(cookies.sets).toEqual([]);
    }
    await expect(anonymous().caller.auth.signIn({ apiKey: "   " })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("ends a session at its expiry and sweeps expired sessions at the next sign-in", async () => {
    const { caller, cookies } = anonymous();
    await caller.auth.signIn({ apiKey: acme.admin.key });
    const value = cookies.sets[0]!.value;
    const session = await resolveSession(deps, value, TEST_SESSION_SECRET);
    expect(session).not.toBeNull();

    clock.advance(TTL_HOURS * HOUR - 1000);
    expect(await resolveSession(deps, value, TEST_SESSION_SECRET)).not.toBeNull();
    clock.advance(1000);
    expect(await resolveSession(deps, value, TEST_SESSION_SECRET)).toBeNull();

    expect(await t.database.prisma.session.count({ where: { id: session!.sessionId! } })).toBe(1);
    clock.advance(1);
    await anonymous().caller.auth.signIn({ apiKey: acme.admin.key });
    expect(await t.database.prisma.session.count({ where: { id: session!.sessionId! } })).toBe(0);
  });

  it("records when a key was last used, at most once a minute", async () => {
    clock.advance(HOUR);
    const key = await createTestKey(deps, acme.id, "usage", false);
    const lastUsed = async () =>
      (await t.database.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } })).lastUsedAt;
    expect(await lastUsed()).toBeNull();
    await anonymous().caller.auth.signIn({ apiKey: key.key });
    const first = clock.now;
    expect(await lastUsed()).toEqual(first);
    clock.advance(30_000);
    await anonymous().caller.auth.signIn({ apiKey: key.key });
    expect(await lastUsed()).toEqual(first);
    clock.advance(61_000);
    await anonymous().caller.auth.signIn({ apiKey: key.key });
    expect(await lastUsed()).toEqual(clock.now);
  });

  it("signs out a session: deletes it, clears the cookie, and leaves the key's other sessions", async () => {
    const first = anonymous();
    await first.caller.auth.signIn({ apiKey: acme.member.key });
    const second = anonymous();
    await second.caller.auth.signIn({ apiKey: acme.member.key });
    const auth = await resolveSession(deps, first.cookies.sets[0]!.value, TEST_SESSION_SECRET);
    expect(auth).not.toBeNull();

    const { caller, cookies } = callerAs(deps, auth);
    await expect(caller.auth.signOut()).resolves.toEqual({ signedOut: true });
    expect(cookies.clears).toBe(1);
    expect(await t.database.prisma.session.count({ where: { id: auth!.sessionId! } })).toBe(0);
    expect(await resolveSession(deps, first.cookies.sets[0]!.value, TEST_SESSION_SECRET)).toBeNull();
    expect(await resolveSession(deps, second.cookies.sets[0]!.value, TEST_SESSION_SECRET)).not.toBeNull();
  });

  it("signs out an API-key caller by clearing the cookie only", async () => {
    const before = await t.database.prisma.session.count();
    expect(before).toBeGreaterThan(0);
    const { caller, cookies } = callerAs(deps, acme.admin.auth);
    await expect(caller.auth.signOut()).resolves.toEqual({ signedOut: true });
    expect(cookies.clears).toBe(1);
    expect(await t.database.prisma.session.count()).toBe(before);
  });

  it("tells the caller who they are, and how they signed in", async () => {
    const viaKey = await callerAs(deps, acme.admin.auth).caller.auth.me();
    expect(viaKey).toEqual({
      tenant: { id: acme.id, slug: "acme", name: "acme" },
      apiKey: { id: acme.admin.id, name: "acme admin", role: "ADMIN" },
      via: "api-key",
    });
    const { caller, cookies } = anonymous();
    await caller.auth.signIn({ apiKey: acme.member.key });
    const session = await resolveSession(deps, cookies.sets[0]!.value, TEST_SESSION_SECRET);
    await expect(callerAs(deps, session).caller.auth.me()).resolves.toEqual({
      tenant: { id: acme.id, slug: "acme", name: "acme" },
      apiKey: { id: acme.member.id, name: "acme member", role: "EDITOR" },
      via: "session",
    });
  });

  it("answers UNAUTHORIZED without credentials, with the reason a credential was refused when there was one", async () => {
    await expect(anonymous().caller.auth.me()).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "Sign in, or send an API key as 'Authorization: Bearer <key>'",
    });
    await expect(
      callerAs(deps, null, { authError: "Your session has expired; sign in again" }).caller.auth.signOut(),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED", message: "Your session has expired; sign in again" });
  });
});
