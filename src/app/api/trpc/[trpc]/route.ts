import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import { createRequestContext } from "@/server/api/request-context";
import { getRuntime } from "@/server/runtime";

export const dynamic = "force-dynamic";

async function handler(req: Request) {
  const runtime = await getRuntime();
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: ({ resHeaders }) => createRequestContext(runtime, req, resHeaders),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") {
        runtime.deps.log.error(`[trpc] ${path ?? "?"}: ${error.cause?.stack ?? error.message}`);
      }
    },
  });
}

export { handler as GET, handler as POST };
