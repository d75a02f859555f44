"use client";
// Retries a FAILED or PARTIAL run: a new run of only the files it left unfinished, linked to it.
// The server refuses what cannot be retried (BAD_REQUEST: nothing left to retry; CONFLICT: a
// run is active); its message is shown as is.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "@/trpc/react";

export function RetryRunButton({ runId, ingestionId }: { runId: string; ingestionId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const retry = useMutation(
    trpc.runs.retry.mutationOptions({
      onSuccess: async (started) => {
        await Promise.all([
          queryClient.invalidateQueries(trpc.runs.pathFilter()),
          queryClient.invalidateQueries(trpc.ingestions.get.queryFilter({ id: ingestionId })),
          queryClient.invalidateQueries(trpc.ingestions.list.pathFilter()),
          queryClient.invalidateQueries(trpc.files.pathFilter()),
        ]);
        router.push(`/runs/${started.runId}`);
      },
    }),
  );

  return (
    <div className="actions">
      <button
        type="button"
        className="button button-primary"
        disabled={retry.isPending || retry.isSuccess}
        onClick={() => retry.mutate({ id: runId })}
        title="Start a new run that loads only the files this run left unfinished"
      >
        {retry.isPending ? "Starting…" : retry.isSuccess ? "Opening the retry…" : "Retry failed files"}
      </button>
      {retry.error ? (
        <p className="notice notice-error actions-error" role="alert">
          {retry.error.message}
        </p>
      ) : null}
    </div>
  );
}
