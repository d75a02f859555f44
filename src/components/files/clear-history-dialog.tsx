"use client";
// Clearing forgets every file of an ingestion and removes the rows they loaded: asked first.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef } from "react";
import { ConfirmDialog } from "@/components/dialog";
import { formatCount } from "@/shared/format";
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
      <ConfirmDialog
        dialogRef={dialogRef}
        id="clear-history"
        title={<>Clear the file history of &lsquo;{ingestion.name}&rsquo;?</>}
        text={
          <>
            All {formatCount(files)} {files === 1 ? "file is" : "files are"} forgotten and the rows they loaded are removed
            from <code>{table}</code>. The next run loads every matching file again.
          </>
        }
        error={clear.error}
        confirmLabel={clear.isPending ? "Clearing…" : "Clear history"}
        confirmDisabled={clear.isPending}
        onConfirm={(close) => clear.mutate({ ingestionId: ingestion.id, confirm: true }, { onSuccess: close })}
      />
    </>
  );
}
