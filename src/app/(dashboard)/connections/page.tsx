import type { Metadata } from "next";
import { ConnectionList } from "@/components/connections/connection-list";
import { connectionListQuery } from "@/components/connections/connection-list-query";
import { CreateConnectionForm } from "@/components/connections/create-connection-form";
import { HydrateClient, prefetchInfinite, requireAuth, trpc } from "@/trpc/server";

export const metadata: Metadata = { title: "Connections" };

export default async function ConnectionsPage() {
  const auth = await requireAuth();
  const isAdmin = auth.role === "ADMIN";
  await prefetchInfinite(connectionListQuery(trpc));
  return (
    <HydrateClient>
      <div className="page-header">
        <h1>Connections</h1>
      </div>
      <p className="lead">
        A connection is storage this tenant may read: a local directory or an S3 location, with its credentials. Ingestions,
        previews and cost estimates name a connection and a path inside it. The server&apos;s operator decides which
        directories and endpoints each tenant may reach; credentials are stored encrypted and never shown again.
      </p>
      <ConnectionList canTest={auth.role !== "VIEWER"} canManage={isAdmin} />
      {isAdmin ? (
        <CreateConnectionForm />
      ) : (
        <div className="notice notice-warning" role="status" data-testid="connections-admin-only">
          <p>
            Creating and deleting connections needs the admin role; your key has the {auth.role.toLowerCase()} role.
            {auth.role === "EDITOR" ? " You can test a connection." : ""}
          </p>
        </div>
      )}
    </HydrateClient>
  );
}
