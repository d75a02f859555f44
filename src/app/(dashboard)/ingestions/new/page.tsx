import type { Metadata } from "next";
import Link from "next/link";
import { CreateIngestionForm } from "@/components/ingestions/create-ingestion-form";
import { requireAuth } from "@/trpc/server";

export const metadata: Metadata = { title: "New ingestion" };

export default async function NewIngestionPage() {
  const auth = await requireAuth();
  return (
    <div className="narrow">
      <p className="breadcrumb">
        <Link href="/ingestions">← Back to the list</Link>
      </p>
      <h1>New ingestion</h1>
      <p className="lead">
        Files that land under the source are loaded into the destination table, each file exactly once.
      </p>
      {auth.role === "VIEWER" ? (
        <div className="notice notice-warning" role="status">
          <p>Creating an ingestion needs the editor role; your key has the viewer role.</p>
        </div>
      ) : (
        <CreateIngestionForm />
      )}
    </div>
  );
}
