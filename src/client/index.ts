// The typed client for other TypeScript services:
//   const autoloader = createAutoloaderClient({ url: "http://localhost:3000", apiKey });
//   const { items } = await autoloader.ingestions.list.query({ status: "ACTIVE" });
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "../server/api/root";

export type { AppRouter };
export { TRPCClientError };

export interface AutoloaderClientOptions {
  /** Base URL of the Autoloader server, e.g. http://localhost:3000 (the client adds /api/trpc). */
  url: string;
  apiKey: string;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
}

export function createAutoloaderClient(options: AutoloaderClientOptions) {
  const base = options.url.replace(/\/+$/, "");
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: base.endsWith("/api/trpc") ? base : `${base}/api/trpc`,
        transformer: superjson,
        headers: () => ({ authorization: `Bearer ${options.apiKey}` }),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    ],
  });
}

export type AutoloaderClient = ReturnType<typeof createAutoloaderClient>;
