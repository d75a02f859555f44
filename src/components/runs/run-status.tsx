// A run's status in words (the shared badge), with the step it is on while it runs.
import { RunStatusBadge } from "@/components/status-badge";
import { isActiveRun, type Run } from "./run-types";

export function RunStatus({ run, testId = "run-status" }: { run: Pick<Run, "status" | "currentStep">; testId?: string }) {
  const step = isActiveRun(run) ? run.currentStep : null;
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
