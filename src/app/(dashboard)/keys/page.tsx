import type { Metadata } from "next";
import { ApiKeyList } from "@/components/keys/api-key-list";
import { CreateApiKeyForm } from "@/components/keys/create-api-key-form";
import { HydrateClient, prefetch, requireAuth, trpc } from "@/trpc/server";

export const metadata: Metadata = { title: "API keys" };

export default async function ApiKeysPage() {
  const auth = await requireAuth();
  const isAdmin = auth.role === "ADMIN";
  // keys.list is admin-only: other roles get a notice, not a failed query.
  if (isAdmin) await prefetch(trpc.keys.list.queryOptions());
  return (
    <HydrateClient>
      <div className="page-header">
        <h1>API keys</h1>
      </div>
      <p className="lead">
        Services call the API with <code>Authorization: Bearer &lt;key&gt;</code>; people sign in to this dashboard with a
        key. Keys are stored hashed, so a key&apos;s secret is shown only when it is created. Each key has a role:
        viewers read, editors also change ingestions, runs and files, admins also manage keys, connections and the audit
        log.
      </p>
      {isAdmin ? (
        <>
          <CreateApiKeyForm />
          <h2 className="section-title">Keys</h2>
          <ApiKeyList />
        </>
      ) : (
        <div className="notice notice-warning" role="status" data-testid="keys-admin-only">
          <p>Managing API keys needs the admin role; your key has the {auth.role.toLowerCase()} role.</p>
          <p className="hint">Ask an admin of your tenant for a key with more rights, or to revoke one.</p>
        </div>
      )}
    </HydrateClient>
  );
}
