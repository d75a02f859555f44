// Decides how a batch's inferred schema meets the destination table's, per evolution mode.
// Pure: the engine turns the plan into DDL and a projection.

export interface Column {
  name: string;
  type: string;
}

export type EvolutionModeValue = "ADD_NEW_COLUMNS" | "RESCUE" | "FAIL_ON_NEW_COLUMNS" | "NONE";

/** Columns the loader adds to every destination table. */
export const SOURCE_FILE_COLUMN = "_source_file";
export const RESCUED_DATA_COLUMN = "_rescued_data";
export const SYSTEM_COLUMNS = [SOURCE_FILE_COLUMN, RESCUED_DATA_COLUMN];

export type ColumnExpr =
  | { kind: "identity" }
  /** strict: a value that does not convert fails the file; otherwise it becomes NULL. */
  | { kind: "cast"; to: string; strict: boolean };

/** A JSON column holds any value (a string as a JSON string, a struct as an object): nothing is refused. */
export function holdsAnything(type: string): boolean {
  return type.toUpperCase() === "JSON";
}

export interface TypeChange {
  name: string;
  from: string;
  to: string;
}

export interface SchemaDiff {
  added: Column[];
  removed: Column[];
  typeChanged: TypeChange[];
}

export interface EvolutionPlan {
  /** Set on the first load: the table to create (system columns included). */
  create: Column[] | null;
  addColumns: Column[];
  widen: TypeChange[];
  /** Batch columns written to the table, by table column name. */
  projection: { source: string; target: string; expr: ColumnExpr }[];
  /** RESCUE: batch columns that go to _rescued_data, whole or when they do not convert. */
  rescue: { whole: string[]; mistyped: { name: string; type: string }[] };
  /** FAIL_ON_NEW_COLUMNS: files with a non-null value here fail, with `failReason(columns)`. */
  failOn: { newColumns: string[]; mistyped: TypeChange[] };
  ignored: string[];
  /** The table's schema after this plan, in table order. */
  tableAfter: Column[];
}

const WIDENING: Record<string, number> = { TINYINT: 1, SMALLINT: 2, INTEGER: 3, BIGINT: 4, HUGEINT: 5, FLOAT: 6, DOUBLE: 7 };

/** True when a column of type `from` can become `to` without losing values (INTEGER → BIGINT → DOUBLE). */
export function isWidening(from: string, to: string): boolean {
  const a = WIDENING[from.toUpperCase()];
  const b = WIDENING[to.toUpperCase()];
  if (a === undefined || b === undefined || a >= b) return false;
  // FLOAT only widens to DOUBLE; integers widen to larger integers or to DOUBLE.
  if (from.toUpperCase() === "FLOAT") return to.toUpperCase() === "DOUBLE";
  return to.toUpperCase() !== "FLOAT";
}

const key = (name: string) => name.toLowerCase();

export function applyHints(batch: Column[], hints: Record<string, string>): Column[] {
  const byKey = new Map(Object.entries(hints).map(([k, v]) => [key(k), v]));
  return batch.map((c) => ({ name: c.name, type: byKey.get(key(c.name)) ?? c.type }));
}

export function planEvolution(input: {
  table: Column[] | null;
  batch: Column[];
  mode: EvolutionModeValue;
  hints?: Record<string, string>;
}): EvolutionPlan {
  const hints = input.hints ?? {};
  const hinted = new Set(Object.keys(hints).map(key));
  const batch = applyHints(
    input.batch.filter((c) => !SYSTEM_COLUMNS.includes(key(c.name))),
    hints,
  );
  const plan: EvolutionPlan = {
    create: null,
    addColumns: [],
    widen: [],
    projection: [],
    rescue: { whole: [], mistyped: [] },
    failOn: { newColumns: [], mistyped: [] },
    ignored: [],
    tableAfter: [],
  };
  const original = new Map(input.batch.map((c) => [key(c.name), c.type]));
  const castIfHinted = (c: Column): ColumnExpr =>
    hinted.has(key(c.name)) && original.get(key(c.name)) !== c.type
      ? { kind: "cast", to: c.type, strict: true }
      : { kind: "identity" };

  if (input.table === null) {
    const system: Column[] = [{ name: SOURCE_FILE_COLUMN, type: "VARCHAR" }];
    if (input.mode === "RESCUE") system.push({ name: RESCUED_DATA_COLUMN, type: "JSON" });
    plan.create = [...batch, ...system];
    plan.tableAfter = plan.create;
    plan.projection = batch.map((c) => ({ source: c.name, target: c.name, expr: castIfHinted(c) }));
    return plan;
  }

  const table = new Map(input.table.map((c) => [key(c.name), c]));
  const after = new Map(input.table.map((c) => [key(c.name), { ...c }]));
  for (const c of batch) {
    const existing = table.get(key(c.name));
    if (!existing) {
      switch (input.mode) {
        case "ADD_NEW_COLUMNS":
          plan.addColumns.push(c);
          after.set(key(c.name), c);
          plan.projection.push({ source: c.name, target: c.name, expr: castIfHinted(c) });
          break;
        case "RESCUE":
          plan.rescue.whole.push(c.name);
          break;
        case "FAIL_ON_NEW_COLUMNS":
          plan.failOn.newColumns.push(c.name);
          break;
        case "NONE":
          plan.ignored.push(c.name);
          break;
      }
      continue;
    }
    const target = existing.name;
    const from = existing.type.toUpperCase();
    const to = c.type.toUpperCase();
    const cast = (type: string, strict: boolean): ColumnExpr => ({ kind: "cast", to: type, strict });
    if (from === to) {
      plan.projection.push({ source: c.name, target, expr: castIfHinted(c) });
    } else if (to === "NULL" || isWidening(to, from) || holdsAnything(from)) {
      // The batch's values fit the table's column as it is.
      plan.projection.push({ source: c.name, target, expr: cast(existing.type, true) });
    } else if (isWidening(from, to)) {
      plan.widen.push({ name: target, from: existing.type, to: c.type });
      after.set(key(c.name), { name: target, type: c.type });
      plan.projection.push({ source: c.name, target, expr: cast(c.type, true) });
    } else {
      switch (input.mode) {
        case "ADD_NEW_COLUMNS":
          // Converted when every value converts; a value that does not fails its file.
          plan.projection.push({ source: c.name, target, expr: cast(existing.type, true) });
          break;
        case "RESCUE":
          plan.projection.push({ source: c.name, target, expr: cast(existing.type, false) });
          plan.rescue.mistyped.push({ name: c.name, type: existing.type });
          break;
        case "FAIL_ON_NEW_COLUMNS":
          plan.failOn.mistyped.push({ name: target, from: existing.type, to: c.type });
          break;
        case "NONE":
          plan.projection.push({ source: c.name, target, expr: cast(existing.type, false) });
          break;
      }
    }
  }
  if (input.mode === "RESCUE" && !table.has(key(RESCUED_DATA_COLUMN)) && (plan.rescue.whole.length > 0 || plan.rescue.mistyped.length > 0)) {
    const rescued = { name: RESCUED_DATA_COLUMN, type: "JSON" };
    plan.addColumns.push(rescued);
    after.set(key(RESCUED_DATA_COLUMN), rescued);
  }
  plan.tableAfter = [...after.values()];
  return plan;
}

export function failReason(plan: EvolutionPlan): string {
  const parts: string[] = [];
  if (plan.failOn.newColumns.length > 0) {
    parts.push(`new column(s) ${plan.failOn.newColumns.join(", ")}`);
  }
  for (const t of plan.failOn.mistyped) parts.push(`column ${t.name} changed type from ${t.from} to ${t.to}`);
  return `Schema change not allowed (FAIL_ON_NEW_COLUMNS): ${parts.join("; ")}`;
}

/** What changed between two versions of a table's schema. */
export function diffSchemas(before: Column[], after: Column[]): SchemaDiff {
  const b = new Map(before.map((c) => [key(c.name), c]));
  const a = new Map(after.map((c) => [key(c.name), c]));
  return {
    added: after.filter((c) => !b.has(key(c.name))),
    removed: before.filter((c) => !a.has(key(c.name))),
    typeChanged: after.flatMap((c) => {
      const old = b.get(key(c.name));
      return old && old.type.toUpperCase() !== c.type.toUpperCase() ? [{ name: c.name, from: old.type, to: c.type }] : [];
    }),
  };
}

export function isEmptyDiff(d: SchemaDiff): boolean {
  return d.added.length === 0 && d.removed.length === 0 && d.typeChanged.length === 0;
}
