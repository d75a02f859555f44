"use client";
// Deleting asks first, and says plainly that the loaded table stays.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useRef } from "react";
import { useTRPC } from "@/trpc/react";

export function DeleteIngestionDialog({
  ingestion,
}: {
  ingestion: { id: string; name: string; destination: { schema: string; table: string } };
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const remove = useMutation(
    trpc.ingestions.delete.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.ingestions.list.pathFilter());
        router.push("/ingestions");
      },
    }),
  );
  const table = `${ingestion.destination.schema}.${ingestion.destination.table}`;

  function open() {
    remove.reset();
    dialogRef.current?.showModal();
  }

  return (
    <>
      <button type="button" className="button button-danger" onClick={open}>
        Delete
      </button>
      <dialog ref={dialogRef} className="dialog" aria-labelledby="delete-ingestion-title" aria-describedby="delete-ingestion-text">
        <h2 id="delete-ingestion-title">Delete ingestion &lsquo;{ingestion.name}&rsquo;?</h2>
        <p id="delete-ingestion-text">
          The ingestion, its runs and its file history are deleted. The table <code>{table}</code> is kept, with every row
          already loaded into it.
        </p>
        {remove.error ? (
          <p className="notice notice-error" role="alert">
            {remove.error.message}
          </p>
        ) : null}
        <div className="dialog-actions">
          <button
            type="button"
            className="button button-danger"
            disabled={remove.isPending || remove.isSuccess}
            onClick={() => remove.mutate({ id: ingestion.id })}
          >
            Delete ingestion
          </button>
          <button type="button" className="button" autoFocus onClick={() => dialogRef.current?.close()}>
            Cancel
          </button>
        </div>
      </dialog>
    </>
  );
}
