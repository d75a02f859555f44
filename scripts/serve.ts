// The production server `npm start` runs (scripts/start.ts spawns it): Next's request handler
// behind Node's HTTP server, with /api/trpc and /api/health answered before Next's router
// (src/server/api/edge/node-http.ts says why and what it does the way Next did). Next still
// runs src/instrumentation.ts, which opens the runtime, starts the scheduler and handles signals.
// Usage: node --import tsx scripts/serve.ts -p PORT [-H HOST]
import http from "node:http";
import { parseArgs } from "node:util";

// Before anything reads it (tRPC decides at its setup whether errors carry stack traces): this is
// the production server, as `next start` would have said.
(process.env as Record<string, string>).NODE_ENV = "production";
const { default: next } = await import("next");
const { serveOutsideNext, servedOutsideNext } = await import("../src/server/api/edge/node-http");
const { healthResponse } = await import("../src/server/api/edge/health-http");
const { handleTrpcHttp } = await import("../src/server/api/edge/trpc-http");
const { getRuntime } = await import("../src/server/runtime");

const { values } = parseArgs({ options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } } });
const port = Number(values.port ?? process.env.PORT ?? 3000);
const hostname = values.hostname;

const app = next({ dev: false, dir: process.cwd(), port, ...(hostname ? { hostname } : {}) });
const handle = app.getRequestHandler();
await app.prepare();

const server = http.createServer((req, res) => {
  if (servedOutsideNext(req.url)) {
    void serveOutsideNext(req, res, { trpc: handleTrpcHttp, health: healthResponse }, getRuntime);
    return;
  }
  void handle(req, res);
});
server.on("error", (error) => {
  console.error(`[server] cannot listen on ${hostname ?? "every interface"}:${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, hostname, () => console.log(`[server] listening on ${hostname ?? "every interface"}:${port}`));
