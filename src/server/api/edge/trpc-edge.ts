// What /api/trpc checks before a request reaches tRPC (and so before parsing and authentication):
// the body size (413), JSON-only mutations (415), the Origin of cookie-authenticated mutations
// (403) and the sign-in rate limit (429). Each refusal is a tRPC-shaped error the client decodes.
import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import superjson from "superjson";
import type { AppConfig } from "@/env";
import { SESSION_COOKIE } from "@/server/services/auth/sessions";
import { readCookie } from "../request-context";
import { readBodyWithLimit } from "./body-limit";
import { clientIp } from "./client-ip";
import { isJsonContentType } from "./content-type";
import { checkOrigin } from "./origin";
import { SlidingWindowLimiter } from "./rate-limit";

export const SIGN_IN_ALONE = "auth.signIn must be sent alone: one sign-in per request, not in a batch";

export type EdgeSettings = AppConfig["edge"];

const SIGN_IN = "auth.signIn";
/** The shown part of a key (`al_` and 6 characters), as the keys list names it. */
const KEY_PREFIX_LENGTH = 9;

export interface TrpcEdge {
  /** Runs `next` with the request (its body read and checked) unless the edge refuses it first. */
  handle(req: Request, next: (req: Request) => Promise<Response>): Promise<Response>;
  /** The sign-in failure counter (tests read its size to see that it stays bounded). */
  readonly signInFailures: SlidingWindowLimiter;
}

/** The procedure paths a /api/trpc URL names (`a.b` or, batched, `a.b,c.d`). */
export function trpcPaths(url: URL): string[] {
  const rest = url.pathname.replace(/^.*?\/api\/trpc\/?/, "");
  return decodeURIComponent(rest).split(",").filter(Boolean);
}

function edgeError(
  paths: string[],
  code: TRPC_ERROR_CODE_KEY,
  httpStatus: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  const one = (path: string | undefined) => ({
    error: superjson.serialize({
      message,
      code: TRPC_ERROR_CODES_BY_KEY[code],
      data: { code, httpStatus, path, fieldErrors: null },
    }),
  });
  const body = paths.length > 1 ? paths.map(one) : one(paths[0]);
  return Response.json(body, { status: httpStatus, headers });
}

/** The API keys a sign-in request carries, per batched call that is a sign-in. */
function signInKeys(paths: string[], batched: boolean, body: Uint8Array): string[] {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return [];
  }
  const keyOf = (entry: unknown): string | null => {
    const input = (entry as { json?: { apiKey?: unknown } } | null)?.json;
    return typeof input?.apiKey === "string" ? input.apiKey.trim() : null;
  };
  const out: string[] = [];
  paths.forEach((p, i) => {
    if (p !== SIGN_IN) return;
    const key = batched ? keyOf((json as Record<string, unknown> | null)?.[String(i)]) : keyOf(json);
    if (key) out.push(key);
  });
  return out;
}

/** Whether a sign-in in the response was refused for its key (wrong, expired or revoked). */
async function signInRefused(paths: string[], batched: boolean, res: Response): Promise<boolean> {
  if (res.status === 200) return false;
  let json: unknown;
  try {
    json = await res.clone().json();
  } catch {
    return false;
  }
  const entries = batched && Array.isArray(json) ? json : [json];
  return paths.some((p, i) => {
    if (p !== SIGN_IN) return false;
    const error = (entries[i] as { error?: { json?: { data?: { code?: unknown } } } } | undefined)?.error;
    return error?.json?.data?.code === "UNAUTHORIZED";
  });
}

export function createTrpcEdge(settings: EdgeSettings, options: { clock?: () => number } = {}): TrpcEdge {
  const signInFailures = new SlidingWindowLimiter({
    max: settings.signIn.maxFailures,
    windowMs: settings.signIn.windowMs,
    clock: options.clock,
  });
  const originPolicy = { trustProxyHops: settings.trustProxyHops, allowedOrigins: settings.allowedOrigins };

  async function handle(req: Request, next: (req: Request) => Promise<Response>): Promise<Response> {
    if (req.method === "GET" || req.method === "HEAD") return next(req);
    const url = new URL(req.url);
    const paths = trpcPaths(url);
    const batched = url.searchParams.get("batch") === "1";
    const refuse = async (code: TRPC_ERROR_CODE_KEY, status: number, message: string, headers?: Record<string, string>) => {
      await req.body?.cancel().catch(() => undefined);
      return edgeError(paths, code, status, message, headers);
    };

    const limit = settings.maxRequestBytes;
    const tooLarge = `The request body is larger than ${limit} bytes (AUTOLOADER_MAX_REQUEST_BYTES)`;
    const declared = req.headers.get("content-length");
    if (declared !== null && Number(declared) > limit) return refuse("PAYLOAD_TOO_LARGE", 413, tooLarge);
    if (!isJsonContentType(req.headers.get("content-type"))) {
      return refuse(
        "UNSUPPORTED_MEDIA_TYPE",
        415,
        `Mutations take JSON only: send Content-Type: application/json (got ${req.headers.get("content-type")?.split(";")[0]?.trim() || "none"})`,
      );
    }
    // Bearer callers are services (no ambient credential a browser would attach); the rest are checked.
    if (!req.headers.get("authorization")) {
      const cookieAuthenticated = readCookie(req.headers.get("cookie"), SESSION_COOKIE) !== undefined;
      const origin = checkOrigin(req, originPolicy, cookieAuthenticated);
      if (!origin.ok) return refuse("FORBIDDEN", 403, origin.message);
    }

    const body = await readBodyWithLimit(req, limit);
    if (!body.ok) return edgeError(paths, "PAYLOAD_TOO_LARGE", 413, tooLarge);
    const checked = new Request(req.url, { method: req.method, headers: req.headers, body: body.bytes, signal: req.signal });
    if (!paths.includes(SIGN_IN)) return next(checked);
    // One sign-in per request: a batch of 200 guesses would count as one attempt per address.
    if (paths.length > 1) return edgeError(paths, "BAD_REQUEST", 400, SIGN_IN_ALONE);

    // Counted before the attempt (so parallel guesses cannot all slip under the limit) and taken
    // back when it was not a refused key.
    const keys = [
      `ip:${clientIp(req.headers, settings.trustProxyHops)}`,
      ...signInKeys(paths, batched, body.bytes).map((k) => `key:${k.slice(0, KEY_PREFIX_LENGTH)}`),
    ];
    const decision = signInFailures.check(keys);
    if (!decision.allowed) {
      const minutes = Math.ceil(decision.retryAfterSeconds / 60);
      return edgeError(
        paths,
        "TOO_MANY_REQUESTS",
        429,
        `Too many failed sign-ins ${decision.key.startsWith("ip:") ? "from this address" : "with this key"}: try again in ${minutes} minute${minutes === 1 ? "" : "s"}`,
        { "retry-after": String(decision.retryAfterSeconds) },
      );
    }
    const at = signInFailures.record(keys);
    let res: Response;
    try {
      res = await next(checked);
    } catch (error) {
      signInFailures.release(keys, at);
      throw error;
    }
    if (!(await signInRefused(paths, batched, res))) signInFailures.release(keys, at);
    return res;
  }

  return { handle, signInFailures };
}
