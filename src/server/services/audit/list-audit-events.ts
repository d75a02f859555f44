// A tenant's audit log, newest first, a page at a time, filtered by action, target, outcome and time.
import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { DomainError } from "@/server/domain/errors";
import { ROLES } from "../auth/auth-context";
import type { ServiceDeps } from "../deps";

export const AUDIT_OUTCOMES = ["SUCCESS", "FAILURE"] as const;

export const listAuditEventsInput = z
  .object({
    action: z
      .string()
      .trim()
      .max(64, "Action must be at most 64 characters")
      .regex(/^[a-z][a-zA-Z]*(\.[a-z][a-zA-Z]*)?$/, "Action must look like 'ingestion.delete' or 'ingestion'")
      .optional(),
    targetId: z.string().trim().min(1, "Target id must not be empty").max(64, "Target id must be at most 64 characters").optional(),
    outcome: z.enum(AUDIT_OUTCOMES, { error: "Outcome must be SUCCESS or FAILURE" }).optional(),
    since: z.coerce.date({ error: "Since must be a date" }).optional(),
    limit: z.number().int().min(1, "Limit must be 1–100").max(100, "Limit must be 1–100").default(50),
    cursor: z.string().max(64).nullish(),
  })
  .default({ limit: 50 });

export const auditEventView = z.object({
  id: z.string(),
  at: z.date(),
  actor: z.object({
    kind: z.enum(["api-key", "session", "cli"]),
    apiKeyId: z.string().nullable(),
    name: z.string(),
    role: z.enum(ROLES),
  }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string().nullable(), name: z.string().nullable() }).nullable(),
  outcome: z.enum(AUDIT_OUTCOMES),
  error: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEventView = z.infer<typeof auditEventView>;

export const listAuditEventsOutput = z.object({ items: z.array(auditEventView), nextCursor: z.string().nullable() });

const auditSelect = {
  id: true,
  at: true,
  actorKind: true,
  apiKeyId: true,
  actorName: true,
  actorRole: true,
  action: true,
  targetType: true,
  targetId: true,
  targetName: true,
  outcome: true,
  error: true,
  details: true,
} satisfies Prisma.AuditEventSelect;

type AuditRow = Prisma.AuditEventGetPayload<{ select: typeof auditSelect }>;

function toView(row: AuditRow): AuditEventView {
  const kind = row.actorKind === "session" || row.actorKind === "cli" ? row.actorKind : "api-key";
  const details = row.details;
  return {
    id: row.id,
    at: row.at,
    actor: { kind, apiKeyId: row.apiKeyId, name: row.actorName, role: row.actorRole },
    action: row.action,
    target: row.targetType ? { type: row.targetType, id: row.targetId, name: row.targetName } : null,
    outcome: row.outcome,
    error: row.error,
    details: details !== null && typeof details === "object" && !Array.isArray(details) ? (details as Record<string, unknown>) : {},
  };
}

export async function listAuditEvents(
  deps: ServiceDeps,
  tenantId: string,
  input: z.infer<typeof listAuditEventsInput>,
): Promise<z.infer<typeof listAuditEventsOutput>> {
  const where: Prisma.AuditEventWhereInput = {
    tenantId,
    // "ingestion.delete" is one action; "ingestion" every action on ingestions.
    ...(input.action ? { action: input.action.includes(".") ? input.action : { startsWith: `${input.action}.` } } : {}),
    ...(input.targetId ? { targetId: input.targetId } : {}),
    ...(input.outcome ? { outcome: input.outcome } : {}),
    ...(input.since ? { at: { gte: input.since } } : {}),
  };
  // Newest first by (at, id), the tenant's index; the cursor is the last id seen.
  const after = input.cursor
    ? await deps.db.auditEvent.findFirst({ where: { id: input.cursor, tenantId }, select: { id: true, at: true } })
    : null;
  if (input.cursor && !after) throw new DomainError("BAD_REQUEST", `Cursor '${input.cursor}' is not an event of this audit log`, "cursor");
  const page: Prisma.AuditEventWhereInput = after
    ? { OR: [{ at: { lt: after.at } }, { at: after.at, id: { lt: after.id } }] }
    : {};
  const rows = await deps.db.auditEvent.findMany({
    where: { AND: [where, page] },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: input.limit + 1,
    select: auditSelect,
  });
  const items = rows.slice(0, input.limit);
  return {
    items: items.map(toView),
    nextCursor: rows.length > input.limit ? (items[items.length - 1]?.id ?? null) : null,
  };
}
