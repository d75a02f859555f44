// A run's staging directory: where localize puts the S3 objects of its batches. Removed when the
// run ends, whatever ended it (executors/direct.ts, executors/inngest.ts).
import { rm } from "node:fs/promises";
import path from "node:path";
import type { ServiceDeps } from "@/server/deps";

export function stagingDirFor(deps: Pick<ServiceDeps, "engine">, runId: string): string {
  return path.join(deps.engine.settings.stagingDir, runId);
}

/** Removes the run's staging directory; a failure to is not the run's. */
export async function removeStaging(deps: Pick<ServiceDeps, "engine">, runId: string): Promise<void> {
  await rm(stagingDirFor(deps, runId), { recursive: true, force: true }).catch(() => undefined);
}
