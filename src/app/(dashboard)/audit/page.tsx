import type { Metadata } from "next";
import { AuditLog } from "@/components/audit/audit-log";
import { auditListQuery, parseAuditFilters } from "@/components/audit/audit-list-query";
import { HydrateClient, prefetchInfinite, requireAuth, trpc } from "@/trpc/server";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const auth = await requireAuth();
  const header = (
    <div className="page-header">
      <h1>Audit log</h1>
    </div>
  );
  if (auth.role !== "ADMIN") {
    return (
      <>
        {header}
        <div className="notice notice-warning" role="status">
          <p>The audit log needs the admin role; your key has the {auth.role.toLowerCase()} role.</p>
        </div>
      </>
    );
  }
  const filters = parseAuditFilters(await searchParams);
  await prefetchInfinite(auditListQuery(trpc, filters));
  return (
    <HydrateClient>
      {header}
      <p className="lead">Who did what to what in this tenant, and how it ended, newest first.</p>
      <AuditLog initialFilters={filters} />
    </HydrateClient>
  );
}
