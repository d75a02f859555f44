"use client";
// Cancels a queued or running run, after a confirm: a queued one ends at once, a running one at
// its next batch boundary (what it committed stays loaded, the rest waits for the next run). Shows
// "Cancelling…" until the run has ended; the server's refusals are shown as they are.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef } from "react";
import { ConfirmDialog } from "@/components/dialog";
import { useTRPC } from "@/trpc/react";

export function CancelRunButton({ runId, cancelRequested }: { runId: string; cancelRequested: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const cancel = useMutation(
    trpc.runs.cancel.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.runs.pathFilter());
      },
    }),
  );
  const cancelling = cancelRequested || cancel.isPending || cancel.isSuccess;
  return (
    <div className="actions">
      <button
        type="button"
        className="button"
        disabled={cancelling}
        onClick={() => dialogRef.current?.showModal()}
        title="Stop this run at its next batch boundary"
        data-testid="cancel-run"
      >
        {cancelling ? "Cancelling…" : "Cancel run"}
      </button>
      <ConfirmDialog
        dialogRef={dialogRef}
        id="cancel-run"
        title="Cancel this run?"
        text="A queued run ends now. A running run stops at its next batch boundary: the files it has loaded stay loaded, the others go back to pending and load with the next run."
        error={cancel.error}
        confirmLabel={cancel.isPending ? "Cancelling…" : "Cancel the run"}
        confirmDisabled={cancel.isPending}
        onConfirm={(close) => cancel.mutate({ id: runId }, { onSuccess: close })}
      />
    </div>
  );
}
