// How a file's status reads in the dashboard: the run page's files and the ingestion's file history.
import type { BadgeTone } from "@/components/status-badge";
import type { RunFile } from "@/components/runs/run-types";

export type FileStatusValue = RunFile["status"];

export const FILE_STATUS: Record<FileStatusValue, { label: string; tone: BadgeTone }> = {
  PENDING: { label: "Pending", tone: "grey" },
  PROCESSING: { label: "Processing", tone: "blue" },
  SUCCESS: { label: "Loaded", tone: "green" },
  FAILED: { label: "Failed", tone: "red" },
  SKIPPED: { label: "Skipped", tone: "grey" },
  MISSING: { label: "Missing", tone: "grey" },
};

/** The order of the status filter chips. */
export const FILE_STATUS_ORDER: readonly FileStatusValue[] = ["SUCCESS", "FAILED", "PENDING", "PROCESSING", "SKIPPED", "MISSING"];
