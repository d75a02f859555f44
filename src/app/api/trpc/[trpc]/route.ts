// tRPC over HTTP, behind the edge checks (body size, JSON only, Origin, sign-in rate limit). Under
// `npm start` scripts/serve.ts answers /api/trpc before Next (server/api/edge/node-http.ts); this
// route serves `npm run dev`.
import { handleTrpcHttp } from "@/server/api/edge/trpc-http";
import { getRuntime } from "@/server/runtime";

export const dynamic = "force-dynamic";

async function handler(req: Request) {
  return handleTrpcHttp(await getRuntime(), req);
}

export { handler as GET, handler as POST };
