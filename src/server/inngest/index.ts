// Autoloader's Inngest functions, and the /api/inngest handlers that serve them. The client is
// made from the runtime's configuration, so the functions are made for a given client; their
// dependencies are fetched per execution, so tests can pass their own.
import type { Inngest } from "inngest";
import { serve } from "inngest/next";
import type { NextRequest } from "next/server";
import type { Runtime } from "@/server/runtime";
import type { ServiceDeps } from "@/server/services/deps";
import { createRunIngestionFunction } from "./functions/run-ingestion";
import { createSchedulerTickFunction } from "./functions/scheduler-tick";

export function createFunctions(inngest: Inngest, getDeps: () => Promise<ServiceDeps>) {
  return [createSchedulerTickFunction(inngest, getDeps), createRunIngestionFunction(inngest, getDeps)];
}

export const INNGEST_NOT_CONFIGURED =
  "Inngest is not configured (set INNGEST_DEV=1 or INNGEST_EVENT_KEY): runs and schedules execute in this process";

type Handler = (request: NextRequest, context: unknown) => Promise<Response>;
export interface InngestRoute {
  GET: Handler;
  POST: Handler;
  PUT: Handler;
}

/**
 * The route's GET/POST/PUT: Inngest's `serve` with the runtime's client and functions, made once
 * per client; without Inngest, 404 with a message, so nothing pretends to be an Inngest app.
 */
export function createInngestRoute(getRuntime: () => Promise<Pick<Runtime, "inngest" | "deps">>): InngestRoute {
  const served = new WeakMap<Inngest, ReturnType<typeof serve>>();
  const handle = (method: keyof InngestRoute): Handler => {
    return async (request, context) => {
      const runtime = await getRuntime();
      if (!runtime.inngest) return Response.json({ error: INNGEST_NOT_CONFIGURED }, { status: 404 });
      let handlers = served.get(runtime.inngest);
      if (!handlers) {
        const deps = runtime.deps;
        handlers = serve({ client: runtime.inngest, functions: createFunctions(runtime.inngest, async () => deps) });
        served.set(runtime.inngest, handlers);
      }
      return handlers[method](request, context);
    };
  };
  return { GET: handle("GET"), POST: handle("POST"), PUT: handle("PUT") };
}
