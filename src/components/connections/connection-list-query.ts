// The connections list query, built the same way by the page's server prefetch and the browser,
// so the prefetched pages are the ones the browser asks for.
import type { TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import type { AppRouter } from "@/server/api/root";

export const CONNECTION_PAGE_SIZE = 50;

export function connectionListQuery(trpc: TRPCOptionsProxy<AppRouter>) {
  return trpc.connections.list.infiniteQueryOptions(
    { limit: CONNECTION_PAGE_SIZE },
    { getNextPageParam: (page) => page.nextCursor },
  );
}
