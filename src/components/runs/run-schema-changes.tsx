// The destination table's schema versions this run created: columns added, removed or widened.
import { z } from "zod";
import { DateTime } from "@/components/date-time";
import { Property } from "@/components/properties";
import type { SchemaVersionEntry } from "./run-types";

const column = z.object({ name: z.string(), type: z.string() });
/** The engine's SchemaDiff; stored as JSON, so it is checked rather than trusted. */
const schemaDiff = z.object({
  added: z.array(column).default([]),
  removed: z.array(column).default([]),
  typeChanged: z.array(z.object({ name: z.string(), from: z.string(), to: z.string() })).default([]),
});
type SchemaDiff = z.infer<typeof schemaDiff>;

export function RunSchemaChanges({ versions }: { versions: SchemaVersionEntry[] }) {
  return (
    <section className="card" aria-labelledby="run-schema-title">
      <h2 id="run-schema-title">Schema changes</h2>
      {versions.length === 0 ? (
        <p className="muted">This run did not change the table&apos;s schema.</p>
      ) : (
        <ol className="schema-versions">
          {versions.map((v) => (
            <SchemaVersionItem key={v.version} entry={v} />
          ))}
        </ol>
      )}
    </section>
  );
}

function SchemaVersionItem({ entry }: { entry: SchemaVersionEntry }) {
  const parsed = schemaDiff.safeParse(entry.diff);
  return (
    <li>
      <p className="schema-version-title">
        <strong>Version {entry.version}</strong>
        {entry.version === 1 ? <span className="muted"> (table created)</span> : null}{" "}
        <span className="muted">
          <DateTime value={entry.createdAt} />
        </span>
      </p>
      {parsed.success ? <SchemaDiffLines diff={parsed.data} /> : <p className="muted">No details recorded.</p>}
      {entry.warnings.length > 0 ? (
        <ul className="plain schema-version-warnings" aria-label={`Warnings of version ${entry.version}`}>
          {entry.warnings.map((w) => (
            <li key={w.message} className="warning-text">
              {w.message}
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

function SchemaDiffLines({ diff }: { diff: SchemaDiff }) {
  const empty = diff.added.length === 0 && diff.removed.length === 0 && diff.typeChanged.length === 0;
  if (empty) return <p className="muted">No column changes.</p>;
  return (
    <dl className="schema-diff">
      {diff.added.length > 0 ? (
        <Property name="Added columns">
          <ColumnList columns={diff.added} />
        </Property>
      ) : null}
      {diff.typeChanged.length > 0 ? (
        <Property name="Type changes">
          <ul className="plain column-list">
            {diff.typeChanged.map((c) => (
              <li key={c.name}>
                <code>{c.name}</code> {c.from} → {c.to}
              </li>
            ))}
          </ul>
        </Property>
      ) : null}
      {diff.removed.length > 0 ? (
        <Property name="Removed columns">
          <ColumnList columns={diff.removed} />
        </Property>
      ) : null}
    </dl>
  );
}

function ColumnList({ columns }: { columns: { name: string; type: string }[] }) {
  return (
    <ul className="plain column-list">
      {columns.map((c) => (
        <li key={c.name}>
          <code>{c.name}</code> <span className="muted">{c.type}</span>
        </li>
      ))}
    </ul>
  );
}
