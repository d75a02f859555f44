"use client";
// Deleting asks first, and says plainly what happens to the loaded table: kept, unless the user
// ticks the box to drop it too. The server's answer is shown on the list the delete leads to.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { ConfirmDialog } from "@/components/dialog";
import { setFlashMessage } from "@/components/flash-message";
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
  const [dropTable, setDropTable] = useState(false);
  const remove = useMutation(
    trpc.ingestions.delete.mutationOptions({
      onSuccess: async (deleted) => {
        setFlashMessage(deleted.message);
        await queryClient.invalidateQueries(trpc.ingestions.list.pathFilter());
        router.push("/ingestions");
      },
    }),
  );
  const table = `${ingestion.destination.schema}.${ingestion.destination.table}`;

  function open() {
    remove.reset();
    setDropTable(false);
    dialogRef.current?.showModal();
  }

  return (
    <>
      <button type="button" className="button button-danger" onClick={open}>
        Delete
      </button>
      <ConfirmDialog
        dialogRef={dialogRef}
        id="delete-ingestion"
        title={<>Delete ingestion &lsquo;{ingestion.name}&rsquo;?</>}
        text={
          <>
            The ingestion, its runs and its file history are deleted.{" "}
            {dropTable ? (
              <>
                The table <code>{table}</code> is dropped too, with every row loaded into it.
              </>
            ) : (
              <>
                The table <code>{table}</code> is kept, with every row already loaded into it.
              </>
            )}
          </>
        }
        error={remove.error}
        confirmLabel={dropTable ? "Delete ingestion and table" : "Delete ingestion"}
        confirmDisabled={remove.isPending || remove.isSuccess}
        onConfirm={() => remove.mutate({ id: ingestion.id, dropTable })}
      >
        <div className="checkbox-row">
          <input
            id="delete-ingestion-drop-table"
            type="checkbox"
            checked={dropTable}
            disabled={remove.isPending || remove.isSuccess}
            onChange={(e) => setDropTable(e.target.checked)}
          />
          <label htmlFor="delete-ingestion-drop-table">
            Also drop table <code>{table}</code> and its data
          </label>
        </div>
      </ConfirmDialog>
    </>
  );
}
