// The runs query of an ingestion's page, built the same way by the server prefetch and the
// browser, so the prefetched page is the one the browser asks for.
import type { TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import type { AppRouter } from "@/server/api/root";

export const RUN_PAGE_SIZE = 10;

export function ingestionRunsQuery(trpc: TRPCOptionsProxy<AppRouter>, ingestionId: string) {
  return trpc.runs.list.infiniteQueryOptions(
    { ingestionId, limit: RUN_PAGE_SIZE },
    { getNextPageParam: (page) => page.nextCursor },
  );
}
