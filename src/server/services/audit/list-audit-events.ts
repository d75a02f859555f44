// A tenant's audit log, newest first, a page at a time, filtered by action, target, outcome and time.
import type { Prisma } from "@/generated/prisma/client";
import { DomainError } from "@/server/domain/errors";
import type { ServiceDeps } from "@/server/deps";
import type { AuditEventView, ListAuditEventsInput, ListAuditEventsOutput } from "@/shared/contracts/audit";

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
  input: ListAuditEventsInput,
): Promise<ListAuditEventsOutput> {
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
