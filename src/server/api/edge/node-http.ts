// /api/trpc and /api/health served straight from Node's HTTP server (scripts/serve.ts), before
// Next's router. Through a Next route handler, a one-row ingestions.get answered 335 requests/s
// on the 2-core development machine; the same handler called from Node's server answered 1,200
// (`npm run load`): Next's request adaptation, tracing and response piping cost more than the
// procedure. What Next did for these routes is done here the same way: the security headers of
// next.config.mjs, X-Forwarded-For set to the peer's address when the request has none (the
// sign-in rate limit reads it; see client-ip.ts), and the URL from the Host header.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Runtime } from "@/server/runtime";
import { API_CONTENT_SECURITY_POLICY, STATIC_SECURITY_HEADERS } from "./security-headers";

/** The paths served here; everything else goes to Next. */
export function servedOutsideNext(url: string | undefined): boolean {
  if (!url) return false;
  const path = url.split("?", 1)[0]!;
  return path === "/api/health" || path.startsWith("/api/trpc/") || path === "/api/trpc";
}

/** The Web Request of a Node request: its method, headers and (streamed) body, aborted when the client goes. */
export function webRequestOf(req: IncomingMessage, res: ServerResponse): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    // HTTP/2 pseudo-headers and hop-by-hop framing are not the handler's.
    if (name.startsWith(":")) continue;
    headers.append(name, req.rawHeaders[i + 1]!);
  }
  if (!headers.has("x-forwarded-for") && req.socket.remoteAddress) headers.set("x-forwarded-for", req.socket.remoteAddress);
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(new URL(req.url ?? "/", `http://${headers.get("host") ?? "localhost"}`), {
    method,
    headers,
    signal: controller.signal,
    ...(hasBody ? { body: bodyStream(req), duplex: "half" } : {}),
  } as RequestInit);
}

/**
 * The request body as a Web stream, read as the handler pulls it. When the handler stops reading
 * (the edge refusing an oversized body), the rest is read and discarded, never held: the client
 * can finish sending and read the answer (closing on it mid-upload, it saw EPIPE, not the 413),
 * and the connection stays usable. (Readable.toWeb went on enqueueing into the cancelled stream
 * and threw.)
 */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on("data", (chunk: Buffer) => {
        if (done) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.once("end", () => {
        if (done) return;
        done = true;
        controller.close();
      });
      req.once("error", (error) => {
        if (done) return;
        done = true;
        controller.error(error);
      });
      req.pause();
    },
    pull() {
      req.resume();
    },
    cancel() {
      done = true;
      req.resume();
    },
  });
}

/** The security headers next.config.mjs gives every /api response. */
function setSecurityHeaders(res: ServerResponse): void {
  for (const { key, value } of STATIC_SECURITY_HEADERS) res.setHeader(key, value);
  res.setHeader("Content-Security-Policy", API_CONTENT_SECURITY_POLICY);
}

/** Writes a Web Response to Node's response, with the API's security headers. */
export async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  setSecurityHeaders(res);
  response.headers.forEach((value, key) => {
    if (key !== "set-cookie") res.setHeader(key, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  res.statusCode = response.status;
  // The API's answers are JSON documents, never streams (httpBatchLink): one write.
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
  res.end(body);
}

/** Serves one request of `servedOutsideNext` with the handler given (the tRPC or health route's). */
export async function serveOutsideNext(
  req: IncomingMessage,
  res: ServerResponse,
  handlers: { trpc: (runtime: Runtime, req: Request) => Promise<Response>; health: () => Promise<Response> },
  runtime: () => Promise<Runtime>,
): Promise<void> {
  try {
    let request: Request;
    try {
      request = webRequestOf(req, res);
    } catch {
      // An unparseable Host header or URL.
      setSecurityHeaders(res);
      res.statusCode = 400;
      res.end();
      return;
    }
    const path = new URL(request.url).pathname;
    let response: Response;
    if (path !== "/api/health") response = await handlers.trpc(await runtime(), request);
    else if (request.method === "GET" || request.method === "HEAD") response = await handlers.health();
    // As the route (GET only) answered under Next.
    else response = new Response(null, { status: 405, headers: { allow: "GET, HEAD" } });
    await sendWebResponse(res, response);
  } catch (error) {
    console.error("[http] request failed:", error);
    if (!res.headersSent) {
      setSecurityHeaders(res);
      res.statusCode = 500;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ error: "internal error" }));
    } else res.destroy();
  }
}
