import type { Metadata } from "next";
import { ApiKeyList } from "@/components/keys/api-key-list";
import { CreateApiKeyForm } from "@/components/keys/create-api-key-form";
import { HydrateClient, prefetch, requireAuth, trpc } from "@/trpc/server";

export const metadata: Metadata = { title: "API keys" };

export default async function ApiKeysPage() {
  const auth = await requireAuth();
  await prefetch(trpc.keys.list.queryOptions());
  return (
    <HydrateClient>
      <div className="page-header">
        <h1>API keys</h1>
      </div>
      <p className="lead">
        Services call the API with <code>Authorization: Bearer &lt;key&gt;</code>; people sign in to this dashboard with a
        key. Keys are stored hashed, so a key&apos;s secret is shown only when it is created.
      </p>
      <CreateApiKeyForm isAdmin={auth.isAdmin} />
      <h2 className="section-title">Keys</h2>
      <ApiKeyList canRevoke={auth.isAdmin} />
    </HydrateClient>
  );
}
