// The list query of the ingestions page, built the same way by the server prefetch and the browser,
// so the prefetched pages are the ones the browser asks for.
import type { TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import type { AppRouter } from "@/server/api/root";
import type { IngestionView } from "@/shared/contracts/ingestions";

export const INGESTION_PAGE_SIZE = 20;

export interface IngestionFilters {
  status: IngestionView["status"] | undefined;
  search: string | undefined;
}

export function parseIngestionFilters(params: { status?: string | string[]; search?: string | string[] }): IngestionFilters {
  const status = typeof params.status === "string" ? params.status.toUpperCase() : undefined;
  const search = typeof params.search === "string" ? params.search.trim().slice(0, 100) : undefined;
  return {
    status: status === "ACTIVE" || status === "PAUSED" ? status : undefined,
    search: search ? search : undefined,
  };
}

export function ingestionListQuery(trpc: TRPCOptionsProxy<AppRouter>, filters: IngestionFilters) {
  return trpc.ingestions.list.infiniteQueryOptions(
    {
      limit: INGESTION_PAGE_SIZE,
      ...(filters.status ? { status: filters.status } : {}),
      ...(filters.search ? { search: filters.search } : {}),
    },
    { getNextPageParam: (page) => page.nextCursor },
  );
}
