// Cookie-authenticated mutations must come from the dashboard's own pages: a browser names the
// page that sent a request in Origin (or, without it, Referer), and a cross-site form or fetch
// cannot forge either. The server's own origin is the Host the request was sent to — or, behind
// trusted proxies, X-Forwarded-Host / X-Forwarded-Proto — plus the origins the operator lists.

export interface OriginPolicy {
  /** Proxies in front of the server: with any, X-Forwarded-Host and -Proto say what the browser used. */
  trustProxyHops: number;
  /** Further origins allowed (AUTOLOADER_ALLOWED_ORIGINS), lower-cased `scheme://host[:port]`. */
  allowedOrigins: string[];
}

export type OriginCheck = { ok: true } | { ok: false; message: string };

/** The origin the browser addressed: scheme and host as the server (or its trusted proxy) saw them. */
export function ownOrigin(req: Request, policy: OriginPolicy): string | null {
  const url = new URL(req.url);
  const first = (name: string) => req.headers.get(name)?.split(",")[0]?.trim() || undefined;
  const host = (policy.trustProxyHops > 0 ? first("x-forwarded-host") : undefined) ?? req.headers.get("host") ?? url.host;
  const proto = (policy.trustProxyHops > 0 ? first("x-forwarded-proto") : undefined) ?? url.protocol.replace(/:$/, "");
  try {
    return new URL(`${proto}://${host}`).origin.toLowerCase();
  } catch {
    return null;
  }
}

/** The origin a browser stated for the request: Origin, else Referer's origin; null when neither. */
function statedOrigin(req: Request): string | null {
  const origin = req.headers.get("origin");
  if (origin !== null) return origin.trim().toLowerCase();
  const referer = req.headers.get("referer");
  if (referer === null) return null;
  try {
    return new URL(referer).origin.toLowerCase();
  } catch {
    return "invalid";
  }
}

/**
 * Allowed when the stated origin is the server's own or a listed one. `requireStated` refuses a
 * request that states none (a cookie-authenticated mutation: browsers always send Origin on POST).
 */
export function checkOrigin(req: Request, policy: OriginPolicy, requireStated: boolean): OriginCheck {
  const stated = statedOrigin(req);
  if (stated === null) {
    return requireStated
      ? { ok: false, message: "A signed-in mutation must come from the dashboard: the request has no Origin or Referer header (services send an API key instead)" }
      : { ok: true };
  }
  const own = ownOrigin(req, policy);
  if (stated === own || policy.allowedOrigins.includes(stated)) return { ok: true };
  return {
    ok: false,
    message: `Cross-origin request refused: ${stated === "null" || stated === "invalid" ? "an opaque origin" : stated} is not this server's origin${own ? ` (${own})` : ""}; list it in AUTOLOADER_ALLOWED_ORIGINS if it should be`,
  };
}
