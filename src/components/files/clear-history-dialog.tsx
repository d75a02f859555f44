"use client";
// Clearing forgets every file of an ingestion and removes the rows they loaded: asked first.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef } from "react";
import { formatCount } from "@/components/runs/format";
import { useTRPC } from "@/trpc/react";

export function ClearHistoryDialog({
  ingestion,
  files,
  onCleared,
}: {
  ingestion: { id: string; name: string; destination: { schema: string; table: string } };
  /** Files in the history, to say how many are forgotten. */
  files: number;
  onCleared: (message: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const clear = useMutation(
    trpc.files.clear.mutationOptions({
      onSuccess: async (result) => {
        onCleared(result.message);
        await Promise.all([
          queryClient.invalidateQueries(trpc.files.pathFilter()),
          queryClient.invalidateQueries(trpc.ingestions.get.queryFilter({ id: ingestion.id })),
        ]);
      },
    }),
  );
  const table = `${ingestion.destination.schema}.${ingestion.destination.table}`;

  function open() {
    clear.reset();
    dialogRef.current?.showModal();
  }

  return (
    <>
      <button type="button" className="button button-danger button-small" onClick={open}>
        Clear history…
      </button>
      <dialog ref={dialogRef} className="dialog" aria-labelledby="clear-history-title" aria-describedby="clear-history-text">
        <h2 id="clear-history-title">Clear the file history of &lsquo;{ingestion.name}&rsquo;?</h2>
        <p id="clear-history-text">
          All {formatCount(files)} {files === 1 ? "file is" : "files are"} forgotten and the rows they loaded are removed
          from <code>{table}</code>. The next run loads every matching file again.
        </p>
        {clear.error ? (
          <p className="notice notice-error dialog-notice" role="alert">
            {clear.error.message}
          </p>
        ) : null}
        <div className="dialog-actions">
          <button
            type="button"
            className="button button-danger"
            disabled={clear.isPending}
            onClick={() =>
              clear.mutate({ ingestionId: ingestion.id, confirm: true }, { onSuccess: () => dialogRef.current?.close() })
            }
          >
            {clear.isPending ? "Clearing…" : "Clear history"}
          </button>
          <button type="button" className="button" autoFocus onClick={() => dialogRef.current?.close()}>
            Cancel
          </button>
        </div>
      </dialog>
    </>
  );
}
