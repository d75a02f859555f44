"use client";
// The tenant's storage connections: where each reads, with which kind of credentials (never the
// credentials), how many ingestions use it; Test for editors and admins, Delete for admins.
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useRef } from "react";
import { ConfirmDialog } from "@/components/dialog";
import { LoadMore } from "@/components/load-more";
import { QueryError } from "@/components/query-error";
import { Badge } from "@/components/status-badge";
import type { AppRouter } from "@/server/api/root";
import { useTRPC } from "@/trpc/react";
import { connectionListQuery } from "./connection-list-query";
import { CREDENTIALS_SHORT } from "./connection-form-values";

type Connection = inferRouterOutputs<AppRouter>["connections"]["list"]["items"][number];

export function ConnectionList({ canTest, canManage }: { canTest: boolean; canManage: boolean }) {
  const trpc = useTRPC();
  const list = useInfiniteQuery(connectionListQuery(trpc));

  if (list.isPending) return <p className="muted">Loading connections…</p>;
  if (list.isError) return <QueryError error={list.error} what="the connections" />;
  const connections = list.data.pages.flatMap((page) => page.items);
  if (connections.length === 0) return <EmptyConnections canManage={canManage} />;

  return (
    <>
      <div className="table-wrap">
        <table aria-label="Connections">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Location</th>
              <th scope="col">Credentials</th>
              <th scope="col">Ingestions</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {connections.map((connection) => (
              <ConnectionRow key={connection.id} connection={connection} canTest={canTest} canManage={canManage} />
            ))}
          </tbody>
        </table>
      </div>
      <LoadMore pages={list} />
    </>
  );
}

function CredentialsCell({ connection }: { connection: Connection }) {
  const credentials = connection.s3?.credentials;
  if (!credentials) return <span className="muted">—</span>;
  return (
    <>
      {CREDENTIALS_SHORT[credentials.kind]}
      {credentials.ref ? (
        <>
          {" "}
          <code>{credentials.ref}</code>
        </>
      ) : null}
      {credentials.accessKeyIdHint ? (
        <>
          {" "}
          <code title="The end of the access key id">{credentials.accessKeyIdHint}</code>
        </>
      ) : null}
    </>
  );
}

function ConnectionRow({ connection, canTest, canManage }: { connection: Connection; canTest: boolean; canManage: boolean }) {
  const trpc = useTRPC();
  const test = useMutation(trpc.connections.test.mutationOptions());
  const s3 = connection.s3;
  return (
    <>
      <tr data-testid={`connection-${connection.name}`}>
        <td>
          <strong>{connection.name}</strong>
          {connection.description ? <div className="muted">{connection.description}</div> : null}
        </td>
        <td>
          <Badge tone={connection.type === "S3" ? "blue" : "grey"}>{connection.type === "S3" ? "S3" : "local"}</Badge>
        </td>
        <td>
          <code className="wrap">{connection.uri}</code>
          {s3 && (s3.endpoint || s3.region) ? (
            <div className="muted">
              {s3.endpoint ? <>endpoint {s3.endpoint}</> : null}
              {s3.endpoint && s3.region ? ", " : null}
              {s3.region ? <>region {s3.region}</> : null}
              {s3.forcePathStyle ? ", path style" : null}
            </div>
          ) : null}
        </td>
        <td>
          <CredentialsCell connection={connection} />
        </td>
        <td>{connection.ingestions}</td>
        <td className="cell-actions">
          <div className="row-actions">
            {canTest ? (
              <button
                type="button"
                className="button button-small"
                disabled={test.isPending}
                onClick={() => test.mutate({ name: connection.name })}
              >
                {test.isPending ? "Testing…" : "Test"}
              </button>
            ) : null}
            {canManage ? <DeleteConnectionButton connection={connection} /> : null}
          </div>
        </td>
      </tr>
      {test.data || test.error ? (
        <tr data-testid={`connection-${connection.name}-test`}>
          <td colSpan={6}>
            {test.error ? (
              <p className="notice notice-error" role="alert">
                Could not test &lsquo;{connection.name}&rsquo;: {test.error.message}
              </p>
            ) : test.data ? (
              <div className={test.data.ok ? "notice notice-info" : "notice notice-error"} role="status">
                <p>
                  {test.data.ok ? "Works: " : "Fails: "}
                  {test.data.message}
                </p>
                {test.data.sample.length > 0 ? (
                  <ul>
                    {test.data.sample.map((path) => (
                      <li key={path}>
                        <code>{path}</code>
                      </li>
                    ))}
                  </ul>
                ) : null}
              </div>
            ) : null}
          </td>
        </tr>
      ) : null}
    </>
  );
}

function DeleteConnectionButton({ connection }: { connection: Connection }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const remove = useMutation(
    trpc.connections.delete.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.connections.list.pathFilter());
      },
    }),
  );

  function open() {
    remove.reset();
    dialogRef.current?.showModal();
  }

  return (
    <>
      <button type="button" className="button button-danger button-small" onClick={open}>
        Delete
      </button>
      <ConfirmDialog
        dialogRef={dialogRef}
        id={`delete-connection-${connection.id}`}
        title={<>Delete connection &lsquo;{connection.name}&rsquo;?</>}
        text={
          connection.ingestions > 0 ? (
            <>
              {connection.ingestions === 1 ? "One ingestion reads" : `${connection.ingestions} ingestions read`} through
              it: a connection in use cannot be deleted.
            </>
          ) : (
            <>Its settings and stored credentials are deleted; the files it points at are not touched.</>
          )
        }
        error={remove.error}
        confirmLabel="Delete connection"
        confirmDisabled={remove.isPending || remove.isSuccess}
        onConfirm={(close) => remove.mutate({ name: connection.name }, { onSuccess: close })}
      />
    </>
  );
}

function EmptyConnections({ canManage }: { canManage: boolean }) {
  return (
    <div className="empty">
      <p>No connections yet.</p>
      <p>
        A connection is a local directory or an S3 location this tenant may read; ingestions load files through one.{" "}
        {canManage ? "Create one below." : "Ask an admin of your tenant to create one."}
      </p>
      <p>
        <Link href="/ingestions">Back to the ingestions</Link>
      </p>
    </div>
  );
}
