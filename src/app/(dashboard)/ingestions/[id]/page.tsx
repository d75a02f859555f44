import type { Metadata } from "next";
import Link from "next/link";
import { FlashNotice } from "@/components/flash-notice";
import { IngestionDetails } from "@/components/ingestions/ingestion-details";
import { ingestionRunsQuery } from "@/components/runs/run-list-query";
import { createServerContext, getQueryClient, HydrateClient, prefetchInfinite, requireAuth, trpc } from "@/trpc/server";
import { nullIfMissing } from "@/app/(dashboard)/null-if-missing";

interface IngestionPageProps {
  params: Promise<{ id: string }>;
}

/** The ingestion, or null when this tenant has none with that id (or the id is malformed). */
async function loadIngestion(id: string) {
  return nullIfMissing(getQueryClient().fetchQuery(trpc.ingestions.get.queryOptions({ id })));
}

export async function generateMetadata({ params }: IngestionPageProps): Promise<Metadata> {
  const { id } = await params;
  const { auth } = await createServerContext();
  if (!auth) return { title: "Ingestion" };
  const ingestion = await loadIngestion(id).catch(() => null);
  return { title: ingestion?.name ?? "Ingestion not found" };
}

export default async function IngestionPage({ params }: IngestionPageProps) {
  await requireAuth();
  const { id } = await params;
  const ingestion = await loadIngestion(id);
  // The runs table renders with the page; the browser then polls it while a run is active.
  if (ingestion) await prefetchInfinite(ingestionRunsQuery(trpc, id));
  return (
    <>
      <p className="breadcrumb">
        <Link href="/ingestions">← Back to the list</Link>
      </p>
      {ingestion ? (
        <HydrateClient>
          <FlashNotice />
          <IngestionDetails id={id} />
        </HydrateClient>
      ) : (
        <div className="empty">
          <h1>Ingestion not found</h1>
          <p role="status">No ingestion &apos;{id}&apos;</p>
          <p>It may have been deleted, or it belongs to another tenant.</p>
        </div>
      )}
    </>
  );
}
