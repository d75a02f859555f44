import type { Metadata } from "next";
import Link from "next/link";
import { RunDetails } from "@/components/runs/run-details";
import { shortRunId } from "@/components/runs/run-types";
import { createServerContext, getQueryClient, HydrateClient, requireAuth, trpc } from "@/trpc/server";
import { nullIfMissing } from "@/app/(dashboard)/null-if-missing";

interface RunPageProps {
  params: Promise<{ id: string }>;
}

/** The run, or null when this tenant has none with that id (or the id is malformed). */
async function loadRun(id: string) {
  return nullIfMissing(getQueryClient().fetchQuery(trpc.runs.get.queryOptions({ id })));
}

export async function generateMetadata({ params }: RunPageProps): Promise<Metadata> {
  const { id } = await params;
  const { auth } = await createServerContext();
  if (!auth) return { title: "Run" };
  const detail = await loadRun(id).catch(() => null);
  return { title: detail ? `Run ${shortRunId(detail.run.id)} · ${detail.run.ingestionName}` : "Run not found" };
}

export default async function RunPage({ params }: RunPageProps) {
  await requireAuth();
  const { id } = await params;
  const detail = await loadRun(id);
  if (!detail) {
    return (
      <>
        <p className="breadcrumb">
          <Link href="/ingestions">← Back to the ingestions</Link>
        </p>
        <div className="empty">
          <h1>Run not found</h1>
          <p role="status">No run &apos;{id}&apos;</p>
          <p>It may have been deleted with its ingestion, or it belongs to another tenant.</p>
        </div>
      </>
    );
  }
  return (
    <HydrateClient>
      <RunDetails id={id} />
    </HydrateClient>
  );
}
