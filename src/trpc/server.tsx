// tRPC for server components: the request's context (session cookie only), a per-request
// QueryClient, prefetch helpers and <HydrateClient> that hands the prefetched data to the browser.
import "server-only";

import {
  dehydrate,
  HydrationBoundary,
  type FetchInfiniteQueryOptions,
  type FetchQueryOptions,
  type QueryKey,
} from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache, type ReactNode } from "react";
import { appRouter } from "@/server/api/root";
import { resolveAuth } from "@/server/api/request-context";
import { createContextInner, type ContextInner } from "@/server/api/trpc";
import type { AuthContext } from "@/server/services/auth/auth-context";
import { getRuntime } from "@/server/runtime";
import { makeQueryClient } from "./query-client";

/** The context of this request's server render, built once per request. */
export const createServerContext = cache(async (): Promise<ContextInner> => {
  // cookies() first: it marks the page dynamic, so a build's prerender attempt stops here
  // instead of opening (and locking) the database.
  const cookieHeader = (await cookies()).toString();
  const runtime = await getRuntime();
  const { auth, authError } = await resolveAuth(runtime, { authorization: null, cookie: cookieHeader || null });
  return createContextInner({
    deps: runtime.deps,
    auth,
    authError,
    sessionSecret: runtime.sessionSecret,
    cookies: {
      // Server components render after the response headers are sent; only the HTTP API
      // (/api/trpc) may sign in or out.
      set() {
        throw new Error("Server components cannot set the session cookie; sign in through /api/trpc");
      },
      clear() {
        throw new Error("Server components cannot clear the session cookie; sign out through /api/trpc");
      },
    },
  });
});

export const getQueryClient = cache(makeQueryClient);

export const trpc = createTRPCOptionsProxy({
  ctx: createServerContext,
  router: appRouter,
  queryClient: getQueryClient,
});

/** The signed-in caller of this request, or a redirect to /sign-in. */
export async function requireAuth(): Promise<AuthContext> {
  const { auth } = await createServerContext();
  if (!auth) redirect("/sign-in");
  return auth;
}

/** Starts a query on the server; <HydrateClient> sends it (pending or settled) to the browser. */
export function prefetch<TQueryFnData, TError, TData, TQueryKey extends QueryKey>(
  options: FetchQueryOptions<TQueryFnData, TError, TData, TQueryKey>,
): Promise<void> {
  return getQueryClient().prefetchQuery(options);
}

export function prefetchInfinite<TQueryFnData, TError, TData, TQueryKey extends QueryKey, TPageParam>(
  options: FetchInfiniteQueryOptions<TQueryFnData, TError, TData, TQueryKey, TPageParam>,
): Promise<void> {
  return getQueryClient().prefetchInfiniteQuery(options);
}

export function HydrateClient({ children }: { children: ReactNode }) {
  return <HydrationBoundary state={dehydrate(getQueryClient())}>{children}</HydrationBoundary>;
}
