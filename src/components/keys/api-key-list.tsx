"use client";
// The tenant's API keys, with revoke for the active ones when the caller is an admin.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { DateTime } from "@/components/date-time";
import { QueryError } from "@/components/query-error";
import { Badge } from "@/components/status-badge";
import { useTRPC } from "@/trpc/react";

export function ApiKeyList({ canRevoke }: { canRevoke: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery(trpc.keys.list.queryOptions());
  const revoke = useMutation(
    trpc.keys.revoke.mutationOptions({
      onSettled: () => queryClient.invalidateQueries(trpc.keys.list.pathFilter()),
    }),
  );

  if (keys.isPending) return <p className="muted">Loading API keys…</p>;
  if (keys.isError) return <QueryError error={keys.error} what="the API keys" />;

  return (
    <>
      {revoke.error ? (
        <div className="notice notice-error" role="alert">
          <p>{revoke.error.message}</p>
        </div>
      ) : null}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Admin</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Revoked</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.data.map((key) => (
              <tr key={key.id} className={key.revokedAt ? "row-revoked" : undefined}>
                <td>{key.name}</td>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                <td>{key.isAdmin ? <Badge tone="blue">Admin</Badge> : <span className="muted">No</span>}</td>
                <td>
                  <DateTime value={key.createdAt} />
                </td>
                <td>
                  <DateTime value={key.lastUsedAt} empty="Never" />
                </td>
                <td>{key.revokedAt ? <DateTime value={key.revokedAt} /> : <span className="muted">Active</span>}</td>
                <td className="cell-actions">
                  {key.revokedAt || !canRevoke ? null : (
                    <button
                      type="button"
                      className="button button-danger button-small"
                      disabled={revoke.isPending && revoke.variables.id === key.id}
                      onClick={() => {
                        if (window.confirm(`Revoke the key "${key.name}"? Services and sessions using it stop working at once.`)) {
                          revoke.mutate({ id: key.id });
                        }
                      }}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
