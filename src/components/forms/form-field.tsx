// A labelled form control with its hint and its errors beneath it, wired for screen readers.
import type { InputHTMLAttributes, ReactNode } from "react";
import { errorIdOf, fieldIdOf } from "./field-errors";

/** What a control needs to be labelled and described. */
export interface ControlProps {
  id: string;
  "aria-invalid": true | undefined;
  "aria-describedby": string | undefined;
}

export function FormField({
  path,
  label,
  hint,
  errors,
  children,
  inline = false,
}: {
  /** Dotted input path; the control's id and its error's id come from it. */
  path: string;
  label: string;
  hint?: ReactNode;
  errors: readonly string[] | undefined;
  children: (control: ControlProps) => ReactNode;
  /** A checkbox: control first, label after it on the same line. */
  inline?: boolean;
}) {
  const id = fieldIdOf(path);
  const errorId = errorIdOf(path);
  const hintId = `${id}-hint`;
  const invalid = errors !== undefined && errors.length > 0;
  const describedBy = [hint ? hintId : null, invalid ? errorId : null].filter(Boolean).join(" ") || undefined;
  const control = children({ id, "aria-invalid": invalid ? true : undefined, "aria-describedby": describedBy });
  return (
    <div className={`field${invalid ? " field-invalid" : ""}${inline ? " field-inline" : ""}`}>
      {inline ? (
        <div className="checkbox-row">
          {control}
          <label htmlFor={id}>{label}</label>
        </div>
      ) : (
        <>
          <label htmlFor={id}>{label}</label>
          {control}
        </>
      )}
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {invalid ? (
        // The first problem only: an empty field would otherwise also list every format rule.
        <p className="field-error" id={errorId}>
          {errors[0]}
        </p>
      ) : null}
    </div>
  );
}

/** One form value as a field shows it: where its errors are reported, what it holds, how it changes. */
export interface BoundField<T> {
  /** Dotted input path; the control's id and its error's id come from it. */
  path: string;
  errors: readonly string[] | undefined;
  value: T;
  onChange: (value: T) => void;
}

interface FieldText {
  label: string;
  hint?: ReactNode;
}

type InputAttributes = Omit<
  InputHTMLAttributes<HTMLInputElement>,
  "id" | "value" | "checked" | "onChange" | "aria-invalid" | "aria-describedby"
>;

/** A text <input> field; `type` may make it another text-like input (url, number…). */
export function TextField({ path, errors, value, onChange, label, hint, ...input }: BoundField<string> & FieldText & InputAttributes) {
  return (
    <FormField path={path} label={label} hint={hint} errors={errors}>
      {(control) => <input {...control} type="text" {...input} value={value} onChange={(e) => onChange(e.target.value)} />}
    </FormField>
  );
}

/** A checkbox field, its label after it on the same line. */
export function CheckboxField({ path, errors, value, onChange, label, hint }: BoundField<boolean> & FieldText) {
  return (
    <FormField path={path} label={label} hint={hint} errors={errors} inline>
      {(control) => <input {...control} type="checkbox" checked={value} onChange={(e) => onChange(e.target.checked)} />}
    </FormField>
  );
}

/** A <select> field; its `children` are the <option>s, whose values are the values of T. */
export function SelectField<T extends string>({
  path,
  errors,
  value,
  onChange,
  label,
  hint,
  children,
}: BoundField<T> & FieldText & { children: ReactNode }) {
  return (
    <FormField path={path} label={label} hint={hint} errors={errors}>
      {(control) => (
        <select {...control} value={value} onChange={(e) => onChange(e.target.value as T)}>
          {children}
        </select>
      )}
    </FormField>
  );
}

/** Errors that belong to no single field, announced to screen readers. */
export function FormErrors({ messages }: { messages: readonly string[] }) {
  if (messages.length === 0) return null;
  return (
    <div className="notice notice-error" role="alert">
      {messages.length === 1 ? (
        <p>{messages[0]}</p>
      ) : (
        <ul>
          {messages.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
