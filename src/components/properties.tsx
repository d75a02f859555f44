// Name–value lists in cards, as the ingestion and run pages show an object's settings.
import type { ReactNode } from "react";

/** A titled card of properties; the heading's id comes from the title unless given. */
export function PropertiesCard({ title, headingId, children }: { title: string; headingId?: string; children: ReactNode }) {
  const id = headingId ?? `card-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <dl className="properties">{children}</dl>
    </section>
  );
}

/** One name and its value, inside a <dl>. */
export function Property({ name, children }: { name: string; children: ReactNode }) {
  return (
    <div>
      <dt>{name}</dt>
      <dd>{children}</dd>
    </div>
  );
}
