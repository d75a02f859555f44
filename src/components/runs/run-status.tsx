// A run's status in words (the shared badge), with the step it is on while it runs, its place in
// the queue while it waits for a slot, and "cancelling" once a cancel was asked for.
import { RunStatusBadge } from "@/components/status-badge";
import { isActiveRun, type Run } from "./run-types";

export function RunStatus({
  run,
  testId = "run-status",
}: {
  run: Pick<Run, "status" | "currentStep"> & Partial<Pick<Run, "queue" | "cancelRequestedAt">>;
  testId?: string;
}) {
  const step = !isActiveRun(run)
    ? null
    : run.cancelRequestedAt
      ? "cancelling…"
      : run.queue
        ? `#${run.queue.position} in queue (${run.queue.reason})`
        : run.currentStep;
  return (
    <span className="run-status">
      <span data-testid={testId}>
        <RunStatusBadge status={run.status} />
      </span>
      {step ? (
        <span className="run-step" data-testid="run-step" title="The step the run is on">
          {step}
        </span>
      ) : null}
    </span>
  );
}
