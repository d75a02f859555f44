"use client";
// Starts a run of the ingestion now. A run already active answers CONFLICT; its message (which
// names the active run) is shown as is.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/trpc/react";
import { shortRunId } from "./run-types";

export function RunNowButton({ ingestionId }: { ingestionId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const trigger = useMutation(
    trpc.runs.trigger.mutationOptions({
      onSuccess: async () => {
        await Promise.all([
          queryClient.invalidateQueries(trpc.runs.pathFilter()),
          queryClient.invalidateQueries(trpc.ingestions.get.queryFilter({ id: ingestionId })),
          queryClient.invalidateQueries(trpc.ingestions.list.pathFilter()),
        ]);
      },
    }),
  );

  return (
    <>
      <button
        type="button"
        className="button button-primary"
        disabled={trigger.isPending}
        onClick={() => trigger.mutate({ ingestionId })}
      >
        {trigger.isPending ? "Starting…" : "Run now"}
      </button>
      {trigger.error ? (
        <p className="notice notice-error actions-error" role="alert">
          {trigger.error.message}
        </p>
      ) : null}
      {trigger.data ? (
        <p className="actions-note" role="status">
          Started run <Link href={`/runs/${trigger.data.runId}`}>{shortRunId(trigger.data.runId)}</Link>
        </p>
      ) : null}
    </>
  );
}
