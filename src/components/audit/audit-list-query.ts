// The audit log query, built the same way by the server prefetch and the browser.
import type { TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import type { AppRouter } from "@/server/api/root";

export const AUDIT_PAGE_SIZE = 50;

export interface AuditFilters {
  action?: string;
  targetId?: string;
  outcome?: "SUCCESS" | "FAILURE";
}

export function auditListQuery(trpc: TRPCOptionsProxy<AppRouter>, filters: AuditFilters) {
  return trpc.audit.list.infiniteQueryOptions(
    {
      limit: AUDIT_PAGE_SIZE,
      ...(filters.action ? { action: filters.action } : {}),
      ...(filters.targetId ? { targetId: filters.targetId } : {}),
      ...(filters.outcome ? { outcome: filters.outcome } : {}),
    },
    { getNextPageParam: (page) => page.nextCursor },
  );
}

const ACTION = /^[a-z][a-zA-Z]*(\.[a-z][a-zA-Z]*)?$/;

/** Filters from the page's search params; anything malformed is dropped rather than failing the page. */
export function parseAuditFilters(params: Record<string, string | string[] | undefined>): AuditFilters {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() ?? "";
  const action = one(params.action);
  const targetId = one(params.target);
  const outcome = one(params.outcome);
  return {
    ...(ACTION.test(action) ? { action } : {}),
    ...(targetId && targetId.length <= 64 ? { targetId } : {}),
    ...(outcome === "SUCCESS" || outcome === "FAILURE" ? { outcome } : {}),
  };
}
