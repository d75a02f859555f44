// tRPC setup. Exports only the procedures we allow; the context is built by createContextInner
// (tests call it directly) and, for HTTP requests, by ./request-context.ts.
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { DomainError } from "@/server/domain/errors";
import type { AuthContext } from "@/server/services/auth/auth-context";
import type { ServiceDeps } from "@/server/services/deps";

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

const t = initTRPC.context<ContextInner>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const fieldErrors = fieldErrorsOf(error.cause);
    return {
      ...shape,
      // A validation failure's top message lists every problem, so API users see all of them.
      message:
        error.cause instanceof ZodError
          ? error.cause.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ")
          : shape.message,
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
export const publicProcedure = t.procedure.use(domainErrors);
export const protectedProcedure = publicProcedure.use(authenticated);
export const adminProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (!ctx.auth.isAdmin) {
    throw new TRPCError({ code: "FORBIDDEN", message: "This needs an admin API key" });
  }
  return next();
});
