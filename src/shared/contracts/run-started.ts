// What starting a run answers (runs.trigger, runs.retry, ingestions.refresh with autoRun): the run's
// id, and with Inngest the event that carries it. Its own module because both the runs and the
// ingestions contracts use it.
import { z } from "zod";

export const runStartedDirect = z.object({ method: z.literal("direct"), runId: z.string() });
export const runStartedInngest = z.object({ method: z.literal("inngest"), runId: z.string(), eventId: z.string() });
export const runStarted = z.discriminatedUnion("method", [runStartedDirect, runStartedInngest]);
export type RunStarted = z.infer<typeof runStarted>;
