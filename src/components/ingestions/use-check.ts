// The create form's checks (the source preview and the cost estimate) ask the server the same way:
// one request at a time, validated first, sent only when asked (they list the source), keyed by
// its input; a refused one's errors are by create-form path, so they show beside the form's fields.
import { skipToken, useQuery, type QueryKey, type SkipToken, type UseQueryOptions } from "@tanstack/react-query";
import { useState } from "react";
import type { z } from "zod";
import { fieldErrorsFromZod, type FieldErrors } from "@/components/forms/field-errors";
import { errorsOfCheck, mapErrorPaths, mergeFieldErrors, sameInput, type CheckError } from "./check-errors";

/** A check's query: each click asks afresh (stale at once), and only a click does. */
export const CHECK_QUERY_OPTIONS = {
  staleTime: 0,
  retry: false,
  refetchOnWindowFocus: false,
  refetchOnReconnect: false,
} as const;

type Request<I, S> = { kind: "query"; input: I; snapshot: S } | { kind: "invalid"; errors: FieldErrors; snapshot: S };

export interface CheckState<I, D, S> {
  /** Validates `input` (plus the caller's own `clientErrors`) and asks the server, again on every call. */
  run: (input: I, snapshot: S, clientErrors?: FieldErrors) => void;
  /** The input of the last request that was sent, to tell when the form has changed since. */
  input: I | null;
  /** What the caller passed with the last request (the form's values then). */
  snapshot: S | null;
  data: D | undefined;
  isFetching: boolean;
  /** Why the last request failed, by create-form path ("_form" when about no field). */
  errors: FieldErrors | null;
}

export function useCheck<I, D, S, E extends CheckError, K extends QueryKey>({
  schema,
  toFormPath,
  queryOptions,
}: {
  /** What the server accepts, checked before asking. */
  schema: z.ZodType;
  /** The server's input paths → the create form's. */
  toFormPath: (path: string) => string;
  /** The query for an input (with CHECK_QUERY_OPTIONS), skipped while there is none. */
  queryOptions: (input: I | SkipToken) => UseQueryOptions<D, E, D, K>;
}): CheckState<I, D, S> {
  const [request, setRequest] = useState<Request<I, S> | null>(null);
  const input = request?.kind === "query" ? request.input : null;
  const query = useQuery(queryOptions(input ?? skipToken));

  function run(next: I, snapshot: S, clientErrors: FieldErrors = {}) {
    const parsed = schema.safeParse(next);
    const errors = mergeFieldErrors(
      parsed.success ? {} : mapErrorPaths(fieldErrorsFromZod(parsed.error), toFormPath),
      clientErrors,
    );
    if (Object.keys(errors).length > 0) {
      setRequest({ kind: "invalid", errors, snapshot });
      return;
    }
    // The same input keeps its query key: ask again explicitly (the source may have changed).
    if (request?.kind === "query" && sameInput(request.input, next)) void query.refetch();
    setRequest({ kind: "query", input: next, snapshot });
  }

  const sent = request?.kind === "query";
  return {
    run,
    input,
    snapshot: request?.snapshot ?? null,
    data: sent ? query.data : undefined,
    isFetching: sent && query.isFetching,
    errors:
      request?.kind === "invalid"
        ? request.errors
        : sent && query.error && !query.isFetching
          ? errorsOfCheck(query.error, toFormPath)
          : null,
  };
}
