// The one error type services throw. Routers map `code` to a tRPC code (and so an HTTP status).

export type DomainErrorCode =
  | "NOT_FOUND"
  | "CONFLICT"
  | "BAD_REQUEST"
  | "FORBIDDEN"
  | "UNAUTHORIZED"
  | "PRECONDITION_FAILED";

export class DomainError extends Error {
  override name = "DomainError";
  /**
   * Next bundles a module once per entry: an error thrown by code the process-wide runtime holds
   * (built by another bundle) is another copy's DomainError. Match by shape, not by identity.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof Error && value.name === "DomainError" && typeof (value as { code?: unknown }).code === "string";
  }
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Dotted input path the error is about (e.g. "source.uri"), so forms can show it in place. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string, id: string) => new DomainError("NOT_FOUND", `No ${what} '${id}'`);
