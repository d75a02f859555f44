"use client";
// The tenant's API keys (admins only): role, last use, expiry and state, with revoke for those not yet revoked.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { DateTime } from "@/components/date-time";
import { QueryError } from "@/components/query-error";
import { Badge } from "@/components/status-badge";
import { useTRPC } from "@/trpc/react";
import { keyState, type KeyState } from "./key-state";

const STATE_TONES: Record<KeyState, "green" | "amber" | "grey"> = { active: "green", expired: "amber", revoked: "grey" };
const ROLE_TONES = { ADMIN: "blue", EDITOR: "green", VIEWER: "grey" } as const;

export function ApiKeyList() {
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
              <th scope="col">Role</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.data.map((key) => {
              const state = keyState(key, new Date());
              return (
                <tr key={key.id} className={state === "active" ? undefined : "row-revoked"} data-testid={`key-${key.id}`}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>
                    <Badge tone={ROLE_TONES[key.role]}>{key.role.toLowerCase()}</Badge>
                  </td>
                  <td>
                    <DateTime value={key.createdAt} />
                  </td>
                  <td>
                    <DateTime value={key.lastUsedAt} empty="never" />
                  </td>
                  <td>
                    <DateTime value={key.expiresAt} empty="never" />
                  </td>
                  <td>
                    <Badge tone={STATE_TONES[state]}>{state}</Badge>
                    {key.revokedAt ? (
                      <span className="muted">
                        {" "}
                        <DateTime value={key.revokedAt} />
                      </span>
                    ) : null}
                  </td>
                  <td className="cell-actions">
                    {key.revokedAt ? null : (
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
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
