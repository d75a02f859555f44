// Builds the tRPC context for an HTTP request: credentials from `Authorization: Bearer` (services)
// or the session cookie (dashboard). The tenant comes only from these.
import type { AuthContext } from "@/server/services/auth/auth-context";
import { authenticateApiKey } from "@/server/services/auth/authenticate-api-key";
import { resolveSession, SESSION_COOKIE } from "@/server/services/auth/sessions";
import type { Runtime } from "@/server/runtime";
import { createContextInner, type ContextInner } from "./trpc";

export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        // A malformed escape cannot be one of our (URL-safe) values; treat it as no cookie.
        return undefined;
      }
    }
  }
  return undefined;
}

export async function resolveAuth(
  runtime: Runtime,
  headers: { authorization: string | null; cookie: string | null },
): Promise<{ auth: AuthContext | null; authError?: string }> {
  if (headers.authorization) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization);
    if (!m?.[1]) return { auth: null, authError: "The Authorization header must be 'Bearer <API key>'" };
    const auth = await authenticateApiKey(runtime.deps, m[1]);
    return auth ? { auth } : { auth: null, authError: "The API key is not valid, has expired or has been revoked" };
  }
  const cookie = readCookie(headers.cookie, SESSION_COOKIE);
  if (cookie) {
    const auth = await resolveSession(runtime.deps, cookie, runtime.sessionSecret);
    return auth ? { auth } : { auth: null, authError: "Your session has expired; sign in again" };
  }
  return { auth: null };
}

function secureCookie(runtime: Runtime, req: Request): boolean {
  if (runtime.config.secureCookies !== "auto") return runtime.config.secureCookies === "always";
  return new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
}

export async function createRequestContext(runtime: Runtime, req: Request, resHeaders: Headers): Promise<ContextInner> {
  const { auth, authError } = await resolveAuth(runtime, {
    authorization: req.headers.get("authorization"),
    cookie: req.headers.get("cookie"),
  });
  const attrs = `Path=/; HttpOnly; SameSite=Lax${secureCookie(runtime, req) ? "; Secure" : ""}`;
  return createContextInner({
    deps: runtime.deps,
    auth,
    authError,
    sessionSecret: runtime.sessionSecret,
    cookies: {
      set(value, expiresAt) {
        const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
        resHeaders.append("Set-Cookie", `${SESSION_COOKIE}=${encodeURIComponent(value)}; ${attrs}; Max-Age=${maxAge}`);
      },
      clear() {
        resHeaders.append("Set-Cookie", `${SESSION_COOKIE}=; ${attrs}; Max-Age=0`);
      },
    },
  });
}
