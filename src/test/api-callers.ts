// Tenants with API keys made through the services, and tRPC callers acting as one of their keys
// against the real database, with the session-cookie writes recorded.
import { TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import { createCaller } from "@/server/api/root";
import { createContextInner, type SessionCookieWriter } from "@/server/api/trpc";
import { createApiKey } from "@/server/services/auth/api-keys";
import type { AuthContext, Role } from "@/server/services/auth/auth-context";
import { ensureTenant } from "@/server/services/auth/tenants";
import type { ServiceDeps } from "@/server/services/deps";

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
