// The run shapes the dashboard reads, as the API returns them.
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";

type RouterOutputs = inferRouterOutputs<AppRouter>;

export type RunDetail = RouterOutputs["runs"]["get"];
export type Run = RunDetail["run"];
export type RunStatusValue = Run["status"];
export type RunFile = RunDetail["files"][number];
export type SchemaVersionEntry = RunDetail["schemaVersions"][number];

/** A run that is still going: its page and lists poll until it ends. */
export function isActiveRun(run: { status: RunStatusValue }): boolean {
  return run.status === "QUEUED" || run.status === "RUNNING";
}

export const TRIGGER_LABELS: Record<Run["trigger"], string> = {
  MANUAL: "Manual",
  SCHEDULE: "Schedule",
  RETRY: "Retry",
  REFRESH: "Refresh",
};

export const METHOD_LABELS: Record<Run["method"], string> = {
  DIRECT: "Direct (in the server process)",
  INNGEST: "Inngest",
};

/**
 * The short form of a run id used in headings, e.g. "Run 3a4429dc": its last 8 hex digits. Ids
 * are UUIDv7, whose first digits are a timestamp shared by every run of the same minute (a run
 * and its retry would read alike); the last ones are random.
 */
export function shortRunId(id: string): string {
  return id.slice(-8);
}
