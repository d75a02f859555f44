// Turns the keys a file brings into the column names a table gets. Any key is allowed; the few
// that cannot be a column as they are get a new name, reported: keys with a NUL character (SQL
// text cannot hold one), keys that are the loader's own columns (`_source_file`,
// `_rescued_data`: the data must never overwrite lineage), and keys equal to another key but for
// case (the warehouse's names are case-insensitive). Pure.
import { SYSTEM_COLUMNS } from "./schema-evolution";

export type RenameReason = "NUL_CHARACTER" | "RESERVED" | "DUPLICATE";

export interface ColumnName {
  /** The key as the file has it. */
  source: string;
  /** The column it becomes. */
  name: string;
  /** Set when `name` differs from `source`. */
  reason: RenameReason | null;
}

export interface ColumnRename {
  from: string;
  to: string;
  reason: RenameReason;
}

const key = (n: string) => n.toLowerCase();

/** How a rename reads in a warning or a schema version. */
export function renameMessage(r: ColumnRename): string {
  const shown = JSON.stringify(r.from);
  switch (r.reason) {
    case "NUL_CHARACTER":
      return `Key ${shown} contains a NUL character, which no column name can hold: loaded as column '${r.to}'`;
    case "RESERVED":
      return `Key ${shown} is the name of the loader's own column: loaded as column '${r.to}' (the loader's '${key(r.from)}' is kept)`;
    case "DUPLICATE":
      return `Key ${shown} differs from another key only in case (column names ignore case): loaded as column '${r.to}'`;
  }
}

/**
 * The column name of each key, in order. Deterministic: the same keys always give the same names,
 * so a later batch lands in the columns an earlier one made.
 */
export function columnNamesFor(keys: readonly string[]): ColumnName[] {
  const reserved = new Set(SYSTEM_COLUMNS.map(key));
  const names = new Set<string>();
  // Keys that are fine as they are claim their names first, so a renamed key never takes the
  // name of one that needed no renaming.
  const plain = keys.map((k) => {
    const ok = !k.includes("\0") && !reserved.has(key(k)) && !names.has(key(k));
    if (ok) names.add(key(k));
    return ok;
  });
  const free = (n: string) => !names.has(key(n)) && !reserved.has(key(n));
  return keys.map((k, i) => {
    if (plain[i]) return { source: k, name: k, reason: null };
    const reason: RenameReason = k.includes("\0") ? "NUL_CHARACTER" : reserved.has(key(k)) ? "RESERVED" : "DUPLICATE";
    // U+2400 (SYMBOL FOR NULL) stands for the NUL: readable, and no other key is likely to have it,
    // so the name does not depend on which other keys a batch has.
    const base = k.replaceAll("\0", "\u2400");
    let name = reason === "NUL_CHARACTER" && free(base) ? base : "";
    for (let n = 1; name === ""; n++) if (free(`${base}_${n}`)) name = `${base}_${n}`;
    names.add(key(name));
    return { source: k, name, reason };
  });
}

export function renamesOf(names: readonly ColumnName[]): ColumnRename[] {
  return names.flatMap((n) => (n.reason ? [{ from: n.source, to: n.name, reason: n.reason }] : []));
}
