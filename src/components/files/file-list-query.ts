// The file-history query of an ingestion's page, one page of paths at a time.
import type { TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import type { AppRouter } from "@/server/api/root";
import type { FileStatusValue } from "./file-status";

export const FILE_PAGE_SIZE = 25;

export interface FileFilters {
  status: FileStatusValue | undefined;
  /** Part of the path, case-insensitive. */
  search: string | undefined;
}

export function fileListQuery(trpc: TRPCOptionsProxy<AppRouter>, ingestionId: string, filters: FileFilters) {
  return trpc.files.list.infiniteQueryOptions(
    {
      ingestionId,
      limit: FILE_PAGE_SIZE,
      ...(filters.status ? { status: filters.status } : {}),
      ...(filters.search ? { search: filters.search } : {}),
    },
    { getNextPageParam: (page) => page.nextCursor },
  );
}
