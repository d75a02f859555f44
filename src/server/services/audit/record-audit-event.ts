// Writes the audit log: who (a key, directly or through a session, or the CLI) did what to what,
// and how it ended. Recording never breaks the call it records: a failed insert is logged.
import type { Prisma } from "@/generated/prisma/client";
import type { AuthContext, Role } from "../auth/auth-context";
import { hashSecret } from "../auth/api-key-secret";
import type { ServiceDeps } from "@/server/deps";
import { auditDetails, sanitizeForAudit } from "./audit-details";

export const AUDIT_TARGET_TYPES = ["ingestion", "run", "key", "connection"] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

export type AuditActorKind = "api-key" | "session" | "cli";

export interface AuditActor {
  tenantId: string;
  kind: AuditActorKind;
  apiKeyId: string | null;
  name: string;
  role: Role;
}

export interface AuditEventInput {
  actor: AuditActor;
  action: string;
  target: { type: AuditTargetType; id: string | null; name: string | null } | null;
  outcome: "SUCCESS" | "FAILURE";
  /** "CODE: message" of a FAILURE. */
  error?: string | null;
  details?: Record<string, unknown>;
}

/** Inserts one event; on failure logs it and returns false instead of throwing. */
export async function recordAuditEvent(deps: ServiceDeps, event: AuditEventInput): Promise<boolean> {
  try {
    await deps.db.auditEvent.create({
      data: {
        tenantId: event.actor.tenantId,
        at: deps.clock(),
        actorKind: event.actor.kind,
        apiKeyId: event.actor.apiKeyId,
        actorName: event.actor.name,
        actorRole: event.actor.role,
        action: event.action,
        targetType: event.target?.type ?? null,
        targetId: event.target?.id ?? null,
        targetName: event.target?.name ?? null,
        outcome: event.outcome,
        error: event.error ? String(sanitizeForAudit(event.error.slice(0, 1000))) : null,
        details: (event.details ?? {}) as Prisma.InputJsonObject,
      },
    });
    return true;
  } catch (error) {
    // The action itself is not undone for want of its audit row; the operator sees why in the log.
    deps.log.error(`Audit: could not record ${event.action} by '${event.actor.name}': ${(error as Error).message}`);
    return false;
  }
}

/** The actor behind an authenticated call: its key's name and role as they are now. */
async function actorOf(deps: ServiceDeps, auth: AuthContext): Promise<AuditActor> {
  const key = await deps.db.apiKey.findFirst({ where: { id: auth.apiKeyId, tenantId: auth.tenantId }, select: { name: true } });
  return { tenantId: auth.tenantId, kind: auth.via, apiKeyId: auth.apiKeyId, name: key?.name ?? auth.apiKeyId, role: auth.role };
}

/** The key a sign-in names (revoked and expired ones too, so their refusals are recorded); null for unknown keys. */
async function actorOfPresentedKey(deps: ServiceDeps, apiKey: unknown): Promise<AuditActor | null> {
  if (typeof apiKey !== "string" || apiKey.trim().length === 0 || apiKey.length > 200) return null;
  const key = await deps.db.apiKey.findUnique({
    where: { hash: hashSecret(apiKey.trim()) },
    select: { id: true, tenantId: true, name: true, role: true },
  });
  return key ? { tenantId: key.tenantId, kind: "api-key", apiKeyId: key.id, name: key.name, role: key.role } : null;
}

const MAX_ID = 64;
const idIn = (v: unknown): string | null => (typeof v === "string" && v.length > 0 && v.length <= MAX_ID ? v : null);

function field(value: unknown, name: string): unknown {
  return value !== null && typeof value === "object" ? (value as Record<string, unknown>)[name] : undefined;
}

/** The name of a tenant's target, looked up before the call (so a delete still has it). */
async function targetName(deps: ServiceDeps, tenantId: string, type: AuditTargetType, id: string): Promise<string | null> {
  switch (type) {
    case "ingestion":
      return (await deps.db.ingestion.findFirst({ where: { id, tenantId }, select: { name: true } }))?.name ?? null;
    case "run":
      return (
        (await deps.db.run.findFirst({ where: { id, ingestion: { tenantId } }, select: { ingestion: { select: { name: true } } } }))
          ?.ingestion.name ?? null
      );
    case "key":
      return (await deps.db.apiKey.findFirst({ where: { id, tenantId }, select: { name: true } }))?.name ?? null;
    case "connection":
      return (await deps.db.connection.findFirst({ where: { id, tenantId }, select: { name: true } }))?.name ?? null;
  }
}

export interface AuditSpec {
  action: string;
  target: AuditTargetType;
  /** Who acts: the authenticated caller (default), or the API key the input presents (sign-in). */
  actor?: "caller" | "presented-key";
}

export interface PendingAuditEntry {
  spec: AuditSpec;
  actor: AuditActor;
  rawInput: unknown;
  target: { type: AuditTargetType; id: string | null; name: string | null };
}

/**
 * Before the call: who is acting, and on what (the name is read now, before a delete removes it).
 * Null when there is no tenant to record it for (no credentials, or an unknown key at sign-in).
 */
export async function beginAuditEntry(
  deps: ServiceDeps,
  spec: AuditSpec,
  auth: AuthContext | null,
  rawInput: unknown,
): Promise<PendingAuditEntry | null> {
  try {
    const actor =
      spec.actor === "presented-key"
        ? await actorOfPresentedKey(deps, field(rawInput, "apiKey"))
        : auth
          ? await actorOf(deps, auth)
          : null;
    if (!actor) return null;
    let id =
      spec.target === "key" && spec.actor === "presented-key"
        ? actor.apiKeyId
        : (idIn(field(rawInput, "id")) ?? idIn(field(rawInput, "ingestionId")) ?? idIn(field(rawInput, "connectionId")));
    let name = id ? await targetName(deps, actor.tenantId, spec.target, id) : null;
    const inputName = field(rawInput, "name");
    if (!id && typeof inputName === "string" && inputName.length <= 200) {
      // Connections are named by name; a create names what it is about to make.
      const named =
        spec.target === "connection"
          ? await deps.db.connection.findFirst({ where: { tenantId: actor.tenantId, name: inputName }, select: { id: true } })
          : null;
      id = named?.id ?? null;
      name = String(sanitizeForAudit(inputName));
    }
    return { spec, actor, rawInput, target: { type: spec.target, id, name } };
  } catch (error) {
    deps.log.error(`Audit: could not prepare ${spec.action}: ${(error as Error).message}`);
    return null;
  }
}

/** After the call: the row, with the outcome. A created target's id and name come from the output. */
export async function finishAuditEntry(
  deps: ServiceDeps,
  entry: PendingAuditEntry,
  outcome: { ok: true; output: unknown } | { ok: false; code: string; message: string },
): Promise<void> {
  try {
    await recordOutcome(deps, entry, outcome);
  } catch (error) {
    deps.log.error(`Audit: could not record ${entry.spec.action}: ${(error as Error).message}`);
  }
}

async function recordOutcome(
  deps: ServiceDeps,
  entry: PendingAuditEntry,
  outcome: { ok: true; output: unknown } | { ok: false; code: string; message: string },
): Promise<void> {
  const target = { ...entry.target };
  if (outcome.ok && !target.id) {
    const out = outcome.output;
    const nested = field(out, "apiKey");
    target.id = idIn(field(out, "id")) ?? idIn(field(nested, "id"));
    const name = field(out, "name") ?? field(nested, "name");
    target.name = typeof name === "string" ? name : target.name;
  }
  await recordAuditEvent(deps, {
    actor: entry.actor,
    action: entry.spec.action,
    target,
    outcome: outcome.ok ? "SUCCESS" : "FAILURE",
    error: outcome.ok ? null : `${outcome.code}: ${outcome.message}`,
    details: auditDetails(entry.rawInput, outcome.ok ? outcome.output : undefined),
  });
}
