"use client";
// A check of the create form (the source preview, the cost estimate) as it shows: its button and
// hint, the wait, why it was refused, or its result.
import type { ReactNode } from "react";
import type { FieldErrors } from "@/components/forms/field-errors";
import { messagesOf } from "./check-errors";
import "@/app/preview.css";

export function CheckPanel<D>({
  check,
  onRun,
  action,
  hint,
  loading,
  failure,
  waiting = false,
  children,
}: {
  check: { data: D | undefined; isFetching: boolean; errors: FieldErrors | null };
  onRun: () => void;
  /** The button's label. */
  action: string;
  hint?: ReactNode;
  /** What shows while the server works. */
  loading: string;
  /** The title of a refusal. */
  failure: string;
  /** The form is not ready to send yet (its connections are loading): the button waits. */
  waiting?: boolean;
  /** The result, shown when there is one and nothing newer is asked or refused. */
  children: (data: D) => ReactNode;
}) {
  const { data, isFetching, errors } = check;
  return (
    <div className="check" aria-busy={isFetching || undefined}>
      <div className="check-actions">
        <button type="button" className="button" onClick={onRun} disabled={isFetching || waiting}>
          {action}
        </button>
        {hint ? <span className="hint">{hint}</span> : null}
      </div>
      {isFetching ? (
        <p className="check-loading" role="status">
          {loading}
        </p>
      ) : null}
      {errors ? <CheckFailure title={failure} errors={errors} /> : null}
      {data && !isFetching && !errors ? children(data) : null}
    </div>
  );
}

/** A refused check: every message (the field ones are beside their fields too). */
function CheckFailure({ title, errors }: { title: string; errors: FieldErrors }) {
  const messages = messagesOf(errors);
  return (
    <div className="notice notice-error" role="alert">
      <p>
        <strong>{title}.</strong> {messages.length === 1 ? messages[0] : null}
      </p>
      {messages.length > 1 ? (
        <ul>
          {messages.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
