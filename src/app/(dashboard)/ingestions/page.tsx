import type { Metadata } from "next";
import Link from "next/link";
import { FlashNotice } from "@/components/flash-notice";
import { IngestionList } from "@/components/ingestions/ingestion-list";
import { ingestionListQuery, parseIngestionFilters } from "@/components/ingestions/ingestion-list-query";
import { HydrateClient, prefetchInfinite, requireAuth, trpc } from "@/trpc/server";

export const metadata: Metadata = { title: "Ingestions" };

export default async function IngestionsPage({
  searchParams,
}: {
  searchParams: Promise<{ status?: string | string[]; search?: string | string[] }>;
}) {
  const auth = await requireAuth();
  const filters = parseIngestionFilters(await searchParams);
  await prefetchInfinite(ingestionListQuery(trpc, filters));
  return (
    <HydrateClient>
      <div className="page-header">
        <h1>Ingestions</h1>
        {auth.role === "VIEWER" ? null : (
          <Link href="/ingestions/new" className="button button-primary">
            New ingestion
          </Link>
        )}
      </div>
      <FlashNotice />
      <IngestionList initialFilters={filters} />
    </HydrateClient>
  );
}
