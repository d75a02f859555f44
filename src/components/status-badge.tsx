// Small coloured labels for an ingestion's status and a run's outcome.
import type { ReactNode } from "react";

export type BadgeTone = "green" | "grey" | "red" | "amber" | "blue";

export function Badge({ tone, children, testId }: { tone: BadgeTone; children: ReactNode; testId?: string }) {
  return (
    <span className={`badge badge-${tone}`} data-testid={testId}>
      {children}
    </span>
  );
}

export function IngestionStatusBadge({ status, testId }: { status: "ACTIVE" | "PAUSED"; testId?: string }) {
  return status === "ACTIVE" ? (
    <Badge tone="green" testId={testId}>
      Active
    </Badge>
  ) : (
    <Badge tone="grey" testId={testId}>
      Paused
    </Badge>
  );
}

const RUN_TONES = {
  QUEUED: "blue",
  RUNNING: "blue",
  SUCCEEDED: "green",
  PARTIAL: "amber",
  NO_NEW_FILES: "grey",
  FAILED: "red",
  CANCELLED: "grey",
} as const satisfies Record<string, BadgeTone>;

const RUN_LABELS: Record<RunStatusName, string> = {
  QUEUED: "Queued",
  RUNNING: "Running",
  SUCCEEDED: "Succeeded",
  PARTIAL: "Partial",
  NO_NEW_FILES: "No new files",
  FAILED: "Failed",
  CANCELLED: "Cancelled",
};

export type RunStatusName = keyof typeof RUN_TONES;

export function RunStatusBadge({ status }: { status: RunStatusName }) {
  return <Badge tone={RUN_TONES[status]}>{RUN_LABELS[status]}</Badge>;
}
