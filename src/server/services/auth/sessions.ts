// Dashboard sessions: a random token in an httpOnly cookie, signed with the server's secret and
// stored hashed, so a database leak yields no usable cookie and sign-out really ends a session.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { DomainError } from "@/server/domain/errors";
import type { ServiceDeps } from "@/server/deps";
import type { AuthContext } from "./auth-context";
import { authenticateApiKey } from "./authenticate-api-key";
import { hashSecret } from "./api-key-secret";

export const SESSION_COOKIE = "autoloader_session";

function signature(token: string, secret: string): string {
  return createHmac("sha256", secret).update(token).digest("base64url");
}

export function signSessionToken(token: string, secret: string): string {
  return `${token}.${signature(token, secret)}`;
}

/** The token inside a signed cookie value, or null if the signature does not match. */
export function verifySessionCookie(value: string, secret: string): string | null {
  const dot = value.lastIndexOf(".");
  if (dot <= 0) return null;
  const token = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1));
  const expected = Buffer.from(signature(token, secret));
  return given.length === expected.length && timingSafeEqual(given, expected) ? token : null;
}

export async function signIn(
  deps: ServiceDeps,
  apiKey: string,
  secret: string,
): Promise<{ cookieValue: string; expiresAt: Date; tenant: { id: string; name: string } }> {
  const auth = await authenticateApiKey(deps, apiKey.trim());
  if (!auth) throw new DomainError("UNAUTHORIZED", "That API key is not valid, has expired or has been revoked", "apiKey");
  const token = randomBytes(32).toString("base64url");
  const now = deps.clock();
  const expiresAt = new Date(now.getTime() + deps.config.sessionTtlHours * 3_600_000);
  await deps.db.session.create({
    data: { tenantId: auth.tenantId, apiKeyId: auth.apiKeyId, tokenHash: hashSecret(token), expiresAt },
  });
  // Expired sessions are swept here rather than by a job: sign-ins are rare and this is cheap.
  await deps.db.session.deleteMany({ where: { expiresAt: { lte: now } } });
  const tenant = await deps.db.tenant.findUniqueOrThrow({ where: { id: auth.tenantId }, select: { id: true, name: true } });
  return { cookieValue: signSessionToken(token, secret), expiresAt, tenant };
}

export async function resolveSession(deps: ServiceDeps, cookieValue: string, secret: string): Promise<AuthContext | null> {
  const token = verifySessionCookie(cookieValue, secret);
  if (!token) return null;
  const row = await deps.db.session.findUnique({
    where: { tokenHash: hashSecret(token) },
    select: { id: true, tenantId: true, expiresAt: true, apiKey: { select: { id: true, role: true, revokedAt: true, expiresAt: true } } },
  });
  const now = deps.clock();
  if (!row || row.expiresAt <= now || row.apiKey.revokedAt !== null) return null;
  // An expired key ends its sessions at once, like a revoked one.
  if (row.apiKey.expiresAt !== null && row.apiKey.expiresAt <= now) return null;
  return { tenantId: row.tenantId, apiKeyId: row.apiKey.id, role: row.apiKey.role, via: "session", sessionId: row.id };
}

export async function signOut(deps: ServiceDeps, auth: AuthContext): Promise<void> {
  if (auth.sessionId) await deps.db.session.deleteMany({ where: { id: auth.sessionId, tenantId: auth.tenantId } });
}
