// tRPC setup. Exports only the procedures we allow; the context is built by createContextInner
// (tests call it directly) and, for HTTP requests, by ./request-context.ts.
import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import { apiTransformer } from "./transformer";
import { DomainError } from "@/server/domain/errors";
import { beginAuditEntry, finishAuditEntry, type AuditSpec } from "@/server/services/audit/record-audit-event";
import { roleAllows, type AuthContext, type Role } from "@/server/services/auth/auth-context";
import type { ServiceDeps } from "@/server/deps";

/** Writes the session cookie; the HTTP adapter sets headers, tests record the calls. */
export interface SessionCookieWriter {
  set(value: string, expiresAt: Date): void;
  clear(): void;
}

export interface ContextInner {
  deps: ServiceDeps;
  auth: AuthContext | null;
  /** Why a credential that was sent was refused, for the UNAUTHORIZED message. */
  authError?: string;
  sessionSecret: string;
  cookies: SessionCookieWriter;
}

export function createContextInner(opts: ContextInner): ContextInner {
  return opts;
}

/** What each procedure declares besides its input and output. */
export interface ProcedureMeta {
  /** The role the caller needs (set by viewerProcedure / editorProcedure / adminProcedure). */
  role?: Role;
  /**
   * Recorded in the tenant's audit log: the action ("ingestion.delete"), the kind of thing it acts
   * on (its id from the input's id / ingestionId / connectionId, or the output's id), and, for
   * sign-in, that the actor is the key the input presents.
   */
  audit?: AuditSpec;
}

/** Dotted input path → messages, for forms (zod errors and domain errors that name a field). */
export type FieldErrors = Record<string, string[]>;

function fieldErrorsOf(cause: unknown): FieldErrors | null {
  if (cause instanceof ZodError) {
    const out: FieldErrors = {};
    for (const issue of cause.issues) {
      const key = issue.path.join(".") || "_form";
      (out[key] ??= []).push(issue.message);
    }
    return out;
  }
  if (cause instanceof DomainError && cause.field) return { [cause.field]: [cause.message] };
  return null;
}

/** The message a caller sees: a validation failure lists every problem. */
function messageOf(error: TRPCError): string {
  return error.cause instanceof ZodError
    ? error.cause.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ")
    : error.message;
}

const t = initTRPC.context<ContextInner>().meta<ProcedureMeta>().create({
  // superjson's wire format, written in one pass for plain outputs (./transformer.ts).
  transformer: apiTransformer,
  errorFormatter({ shape, error }) {
    const fieldErrors = fieldErrorsOf(error.cause);
    return {
      ...shape,
      // A validation failure's top message lists every problem, so API users see all of them.
      message: error.cause instanceof ZodError ? messageOf(error) : shape.message,
      data: { ...shape.data, fieldErrors, stack: undefined },
    };
  },
});

/** Domain errors become tRPC errors with the same code; anything else stays a 500. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: cause.code, message: cause.message, cause });
  }
  return result;
});

/**
 * Procedures whose meta has `audit` leave one row per call in the caller's tenant's audit log,
 * refusals (FORBIDDEN, validation, domain errors) included. It runs first, so it sees every
 * outcome; calls without a tenant (no credentials, an unknown key at sign-in) are not recorded.
 */
const auditTrail = t.middleware(async ({ ctx, meta, getRawInput, next }) => {
  const spec = meta?.audit;
  if (!spec) return next();
  const rawInput = await getRawInput().catch(() => undefined);
  const entry = await beginAuditEntry(ctx.deps, spec, ctx.auth, rawInput);
  const result = await next();
  if (entry) {
    await finishAuditEntry(
      ctx.deps,
      entry,
      result.ok
        ? { ok: true, output: result.data }
        : {
            ok: false,
            code: result.error.cause instanceof DomainError ? result.error.cause.code : result.error.code,
            message: messageOf(result.error),
          },
    );
  }
  return result;
});

const authenticated = t.middleware(({ ctx, next }) => {
  if (!ctx.auth) {
    throw new TRPCError({
      code: "UNAUTHORIZED",
      message: ctx.authError ?? "Sign in, or send an API key as 'Authorization: Bearer <key>'",
    });
  }
  return next({ ctx: { ...ctx, auth: ctx.auth } });
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(auditTrail).use(domainErrors);
export const protectedProcedure = publicProcedure.use(authenticated);
const ROLE_NAMES: Record<Role, string> = { ADMIN: "admin", EDITOR: "editor", VIEWER: "viewer" };

/** A procedure that needs at least `role`; FORBIDDEN names the role it needs and the caller's. */
function requiring(role: Role) {
  return protectedProcedure.meta({ role }).use(({ ctx, next }) => {
    if (!roleAllows(ctx.auth.role, role)) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `This needs the ${ROLE_NAMES[role]} role; your key has the ${ROLE_NAMES[ctx.auth.role]} role`,
      });
    }
    return next();
  });
}

/** Reads: any role. */
export const viewerProcedure = requiring("VIEWER");
/** Changes to ingestions, runs and files. */
export const editorProcedure = requiring("EDITOR");
/** Keys, connections, the audit log: everything. */
export const adminProcedure = requiring("ADMIN");
