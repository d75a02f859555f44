// The audit router's contract: the tenant's audit log, newest first, a page at a time, filtered by
// action, target, outcome and time.
import { z } from "zod";
import { AuditOutcome, Role } from "@/generated/prisma/enums";

export const listAuditEventsInput = z
  .object({
    action: z
      .string()
      .trim()
      .max(64, "Action must be at most 64 characters")
      .regex(/^[a-z][a-zA-Z]*(\.[a-z][a-zA-Z]*)?$/, "Action must look like 'ingestion.delete' or 'ingestion'")
      .optional(),
    targetId: z.string().trim().min(1, "Target id must not be empty").max(64, "Target id must be at most 64 characters").optional(),
    outcome: z.enum(AuditOutcome, { error: "Outcome must be SUCCESS or FAILURE" }).optional(),
    since: z.coerce.date({ error: "Since must be a date" }).optional(),
    limit: z.number().int().min(1, "Limit must be 1–100").max(100, "Limit must be 1–100").default(50),
    cursor: z.string().max(64).nullish(),
  })
  .default({ limit: 50 });
export type ListAuditEventsInput = z.infer<typeof listAuditEventsInput>;

export const auditEventView = z.object({
  id: z.string(),
  at: z.date(),
  actor: z.object({
    kind: z.enum(["api-key", "session", "cli"]),
    apiKeyId: z.string().nullable(),
    name: z.string(),
    role: z.enum(Role),
  }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string().nullable(), name: z.string().nullable() }).nullable(),
  outcome: z.enum(AuditOutcome),
  error: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEventView = z.infer<typeof auditEventView>;

export const listAuditEventsOutput = z.object({ items: z.array(auditEventView), nextCursor: z.string().nullable() });
export type ListAuditEventsOutput = z.infer<typeof listAuditEventsOutput>;
