"use client";
// Schema hints in the create form: rows of column → SQL type. A hinted column loads as that type
// instead of the inferred one (and is created even when no file has it yet).
import { useEffect, useRef, useState } from "react";
import type { FieldErrors } from "@/components/forms/field-errors";
import { duplicateHintErrors, hintPath, type HintRow } from "./ingestion-form-values";
import "@/app/preview.css";

/** Suggestions for the type input; any type the API accepts may be typed. */
const SUGGESTED_TYPES = [
  "BIGINT",
  "INTEGER",
  "DOUBLE",
  "DECIMAL(18,2)",
  "VARCHAR",
  "BOOLEAN",
  "DATE",
  "TIMESTAMP",
  "TIMESTAMPTZ",
  "JSON",
  "UUID",
];

export function SchemaHintsField({
  rows,
  onChange,
  errors,
}: {
  rows: HintRow[];
  onChange: (rows: HintRow[]) => void;
  /** The form's errors by path: "schemaPolicy.hints" and "schemaPolicy.hints.<column>". */
  errors: FieldErrors;
}) {
  const nextId = useRef(0);
  const [focusId, setFocusId] = useState<string | null>(null);

  useEffect(() => {
    if (focusId) document.getElementById(`hint-${focusId}-column`)?.focus();
  }, [focusId]);

  function add() {
    const id = `h${nextId.current++}`;
    onChange([...rows, { id, column: "", type: "" }]);
    setFocusId(id);
  }

  function update(id: string, patch: Partial<Omit<HintRow, "id">>) {
    onChange(rows.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  }

  function remove(id: string) {
    onChange(rows.filter((r) => r.id !== id));
  }

  const duplicates = duplicateHintErrors(rows);
  const general = errors["schemaPolicy.hints"];
  return (
    <div className="field">
      <p className="hint" id="schemaPolicy-hints-hint">
        Optional. A hinted column loads as the given SQL type instead of the inferred one, e.g. <code>amount</code> as{" "}
        <code>DECIMAL(18,2)</code>.
      </p>
      {rows.length > 0 ? (
        <div className="hint-rows">
          {rows.map((row, index) => {
            const rowErrors = errors[hintPath(row)];
            const errorId = `hint-${row.id}-error`;
            const invalid = rowErrors !== undefined && rowErrors.length > 0;
            const columnInvalid = invalid && (row.column.trim() === "" || hintPath(row) in duplicates || row.column.length > 255);
            const describedBy = invalid ? errorId : undefined;
            return (
              <div key={row.id} className={`hint-row${invalid ? " field-invalid" : ""}`}>
                <div className="field">
                  <label htmlFor={`hint-${row.id}-column`}>
                    Column<span className="visually-hidden"> of hint {index + 1}</span>
                  </label>
                  <input
                    id={`hint-${row.id}-column`}
                    type="text"
                    spellCheck={false}
                    maxLength={255}
                    value={row.column}
                    aria-invalid={columnInvalid ? true : undefined}
                    aria-describedby={describedBy}
                    onChange={(e) => update(row.id, { column: e.target.value })}
                  />
                </div>
                <div className="field">
                  <label htmlFor={`hint-${row.id}-type`}>
                    Type<span className="visually-hidden"> of hint {index + 1}</span>
                  </label>
                  <input
                    id={`hint-${row.id}-type`}
                    type="text"
                    spellCheck={false}
                    list="hint-types"
                    placeholder="BIGINT"
                    value={row.type}
                    aria-invalid={invalid && !columnInvalid ? true : undefined}
                    aria-describedby={describedBy}
                    onChange={(e) => update(row.id, { type: e.target.value })}
                  />
                </div>
                <button
                  type="button"
                  className="button button-quiet button-small"
                  aria-label={`Remove hint ${index + 1}`}
                  onClick={() => remove(row.id)}
                >
                  Remove
                </button>
                {invalid ? (
                  <p className="field-error hint-row-error" id={errorId}>
                    {rowErrors[0]}
                  </p>
                ) : null}
              </div>
            );
          })}
        </div>
      ) : null}
      <datalist id="hint-types">
        {SUGGESTED_TYPES.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      {general && general.length > 0 ? (
        <p className="field-error" id="schemaPolicy-hints-error">
          {general[0]}
        </p>
      ) : null}
      <div>
        <button type="button" className="button button-small" onClick={add} disabled={rows.length >= 200}>
          Add a schema hint
        </button>
      </div>
    </div>
  );
}
