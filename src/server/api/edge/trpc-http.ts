// The /api/trpc handler: the edge checks (./trpc-edge.ts), then tRPC with the request's context.
// One edge per runtime, so its sign-in counter lives as long as the server process.
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import type { Runtime } from "@/server/runtime";
import { createRequestContext } from "../request-context";
import { createTrpcEdge, type TrpcEdge } from "./trpc-edge";

/**
 * Per process, not per module copy: under `npm start` both scripts/serve.ts's copy and Next's
 * bundled route can answer /api/trpc (Next takes a request whose target is a full URL), and one
 * sign-in counter must count both.
 */
const EDGES = Symbol.for("autoloader.trpcEdges");
const holder = globalThis as unknown as { [EDGES]?: WeakMap<Runtime, TrpcEdge> };
const edges = (holder[EDGES] ??= new WeakMap<Runtime, TrpcEdge>());

export function edgeOf(runtime: Runtime): TrpcEdge {
  let edge = edges.get(runtime);
  if (!edge) {
    edge = createTrpcEdge(runtime.config.edge);
    edges.set(runtime, edge);
  }
  return edge;
}

export function handleTrpcHttp(runtime: Runtime, req: Request): Promise<Response> {
  return edgeOf(runtime).handle(req, (checked) =>
    fetchRequestHandler({
      endpoint: "/api/trpc",
      req: checked,
      router: appRouter,
      createContext: ({ resHeaders }) => createRequestContext(runtime, checked, resHeaders),
      onError({ error, path }) {
        if (error.code === "INTERNAL_SERVER_ERROR") {
          runtime.deps.log.error(`[trpc] ${path ?? "?"}: ${error.cause?.stack ?? error.message}`);
        }
      },
    }),
  );
}
