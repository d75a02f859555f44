// Which status changes are allowed, for ingestions and runs, and why the others are refused.
import type { IngestionStatus, RunStatus } from "@/generated/prisma/enums";
import { DomainError } from "./errors";

export type IngestionStatusValue = IngestionStatus;
export type IngestionAction = "pause" | "resume";

export function nextIngestionStatus(current: IngestionStatusValue, action: IngestionAction, name: string): IngestionStatusValue {
  if (action === "pause") {
    if (current === "PAUSED") throw new DomainError("BAD_REQUEST", `Ingestion '${name}' is already paused`);
    return "PAUSED";
  }
  if (current === "ACTIVE") throw new DomainError("BAD_REQUEST", `Ingestion '${name}' is already active`);
  return "ACTIVE";
}

export type RunStatusValue = RunStatus;
export const ACTIVE_RUN_STATUSES: readonly RunStatusValue[] = ["QUEUED", "RUNNING"];
export const FINAL_RUN_STATUSES: readonly RunStatusValue[] = ["SUCCEEDED", "PARTIAL", "NO_NEW_FILES", "FAILED", "CANCELLED"];

const RUN_TRANSITIONS: Record<RunStatusValue, readonly RunStatusValue[]> = {
  // A queued run cancelled before it started ends CANCELLED at once; a running one at its next batch boundary.
  QUEUED: ["RUNNING", "FAILED", "CANCELLED"],
  RUNNING: ["SUCCEEDED", "PARTIAL", "NO_NEW_FILES", "FAILED", "CANCELLED"],
  SUCCEEDED: [],
  PARTIAL: [],
  NO_NEW_FILES: [],
  FAILED: [],
  CANCELLED: [],
};

export function assertRunTransition(from: RunStatusValue, to: RunStatusValue): void {
  if (!RUN_TRANSITIONS[from].includes(to)) {
    throw new DomainError(
      "BAD_REQUEST",
      FINAL_RUN_STATUSES.includes(from)
        ? `The run already finished as ${from}; it cannot become ${to}`
        : `A ${from} run cannot become ${to}`,
    );
  }
}
