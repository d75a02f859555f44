// Autoloader's Inngest functions, and the /api/inngest handlers that serve them. The client is
// made from the runtime's configuration, so the functions are made for a given client; their
// dependencies are fetched per execution, so tests can pass their own.
import { isIP } from "node:net";
import type { Inngest } from "inngest";
import { serve } from "inngest/next";
import type { NextRequest } from "next/server";
import type { AppConfig } from "@/env";
import type { Runtime } from "@/server/runtime";
import type { RunLimits } from "@/server/runs/run-deps";
import { runLimitsOf } from "@/server/runs/run-slots";
import type { ServiceDeps } from "@/server/deps";
import { createRunIngestionFunction } from "./functions/run-ingestion";
import { createSchedulerTickFunction } from "./functions/scheduler-tick";

export function createFunctions(inngest: Inngest, getDeps: () => Promise<ServiceDeps>, limits?: RunLimits) {
  return [createSchedulerTickFunction(inngest, getDeps), createRunIngestionFunction(inngest, getDeps, limits)];
}

export const INNGEST_NOT_CONFIGURED =
  "Inngest is not configured (set INNGEST_DEV=1 or INNGEST_EVENT_KEY): runs and schedules execute in this process";

export const INNGEST_DEV_NOT_LOOPBACK =
  "Inngest dev mode (INNGEST_DEV) serves /api/inngest unauthenticated, so only when the server listens on loopback: set HOST=127.0.0.1, or use Inngest Cloud with INNGEST_SIGNING_KEY";
export const INNGEST_DEV_BROWSER =
  "Inngest dev mode serves /api/inngest to the Inngest dev server only: requests from a browser (with Origin or Sec-Fetch-Site) are refused";
export const INNGEST_NO_SIGNING_KEY = "INNGEST_SIGNING_KEY is not set: /api/inngest serves only requests signed by Inngest Cloud";

/** Whether HOST is this machine only: a loopback address or `localhost` (unset is every interface). */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  return h === "::1" || h === "0:0:0:0:0:0:0:1" || (h.startsWith("::ffff:") && h.slice(7).startsWith("127."));
}

/** Why this server must not serve Inngest's calls, or null when it may. */
export function inngestRefusal(config: Pick<AppConfig, "host" | "inngest">): { status: number; error: string } | null {
  // Dev mode: the SDK runs any POST without a signature, so only this machine may reach it.
  if (config.inngest.dev) return isLoopbackHost(config.host) ? null : { status: 403, error: INNGEST_DEV_NOT_LOOPBACK };
  // Cloud mode: the SDK verifies signatures with the signing key; without one nothing is served.
  return config.inngest.signingKey ? null : { status: 500, error: INNGEST_NO_SIGNING_KEY };
}

type Handler = (request: NextRequest, context: unknown) => Promise<Response>;
export interface InngestRoute {
  GET: Handler;
  POST: Handler;
  PUT: Handler;
}

/**
 * The route's GET/POST/PUT: Inngest's `serve` with the runtime's client and functions, made once
 * per client; without Inngest, 404 with a message, so nothing pretends to be an Inngest app. In dev
 * mode only on a loopback HOST (403 otherwise); outside it only with a signing key (500 otherwise).
 */
export function createInngestRoute(
  getRuntime: () => Promise<Pick<Runtime, "inngest" | "deps"> & { config: Pick<AppConfig, "host" | "inngest"> }>,
): InngestRoute {
  const served = new WeakMap<Inngest, ReturnType<typeof serve>>();
  const handle = (method: keyof InngestRoute): Handler => {
    return async (request, context) => {
      const runtime = await getRuntime();
      if (!runtime.inngest) return Response.json({ error: INNGEST_NOT_CONFIGURED }, { status: 404 });
      const refusal = inngestRefusal(runtime.config);
      if (refusal) return Response.json({ error: refusal.error }, { status: refusal.status });
      // Unsigned dev-mode calls come from the dev server, never from a browser: a page the developer
      // visits could otherwise POST here cross-site (a text/plain "simple" request needs no preflight).
      if (runtime.config.inngest.dev && (request.headers.get("origin") !== null || request.headers.get("sec-fetch-site") !== null)) {
        return Response.json({ error: INNGEST_DEV_BROWSER }, { status: 403 });
      }
      let handlers = served.get(runtime.inngest);
      if (!handlers) {
        const deps = runtime.deps;
        handlers = serve({ client: runtime.inngest, functions: createFunctions(runtime.inngest, async () => deps, runLimitsOf(deps)) });
        served.set(runtime.inngest, handlers);
      }
      return handlers[method](request, context);
    };
  };
  return { GET: handle("GET"), POST: handle("POST"), PUT: handle("PUT") };
}
