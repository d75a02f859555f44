"use client";
// Run now, pause, resume, refresh and delete, for the ingestion page's header.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useCanEdit } from "@/components/auth/role-context";
import { RunNowButton } from "@/components/runs/run-now-button";
import type { AppRouter } from "@/server/api/root";
import { useTRPC } from "@/trpc/react";
import { DeleteIngestionDialog } from "./delete-ingestion-dialog";
import { RefreshIngestionDialog } from "./refresh-ingestion-dialog";

type Ingestion = inferRouterOutputs<AppRouter>["ingestions"]["get"];

export function IngestionActions({ ingestion }: { ingestion: Ingestion }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = useCanEdit();
  const statusChange = {
    onSuccess: async (updated: Ingestion) => {
      queryClient.setQueryData(trpc.ingestions.get.queryKey({ id: updated.id }), updated);
      await queryClient.invalidateQueries(trpc.ingestions.list.pathFilter());
    },
  };
  const pause = useMutation(trpc.ingestions.pause.mutationOptions(statusChange));
  const resume = useMutation(trpc.ingestions.resume.mutationOptions(statusChange));
  const failed = pause.error ?? resume.error;
  const busy = pause.isPending || resume.isPending;
  // One button: Pause while active, Resume while paused; it clears the other one's error.
  const [toggle, other, label] = ingestion.status === "ACTIVE" ? [pause, resume, "Pause"] : [resume, pause, "Resume"];
  // Viewers read only: no buttons that would answer FORBIDDEN.
  if (!canEdit) return null;

  return (
    <div className="actions">
      <RunNowButton ingestionId={ingestion.id} />
      <button
        type="button"
        className="button"
        disabled={busy}
        onClick={() => {
          other.reset();
          toggle.mutate({ id: ingestion.id });
        }}
      >
        {label}
      </button>
      <RefreshIngestionDialog ingestion={ingestion} />
      <DeleteIngestionDialog ingestion={ingestion} />
      {failed ? (
        <p className="notice notice-error actions-error" role="alert">
          {failed.message}
        </p>
      ) : null}
    </div>
  );
}
