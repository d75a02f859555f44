import { describe, expect, it } from "vitest";
import {
  applyHints,
  diffSchemas,
  failReason,
  isEmptyDiff,
  isWidening,
  planEvolution,
  type Column,
  type EvolutionModeValue,
  type EvolutionPlan,
} from "./schema-evolution";

const MODES: EvolutionModeValue[] = ["ADD_NEW_COLUMNS", "RESCUE", "FAIL_ON_NEW_COLUMNS", "NONE"];

const col = (name: string, type: string): Column => ({ name, type });
const identity = (name: string, target = name) => ({ source: name, target, expr: { kind: "identity" as const } });
const cast = (name: string, to: string, strict: boolean, target = name) => ({
  source: name,
  target,
  expr: { kind: "cast" as const, to, strict },
});

/** A plan with nothing to do, to spread the fields a case changes over. */
const emptyPlan = (): EvolutionPlan => ({
  create: null,
  addColumns: [],
  widen: [],
  projection: [],
  rescue: { whole: [], mistyped: [] },
  failOn: { newColumns: [], mistyped: [] },
  ignored: [],
  tableAfter: [],
});

const TABLE = [col("id", "BIGINT"), col("name", "VARCHAR"), col("_source_file", "VARCHAR")];
const RESCUE_TABLE = [...TABLE, col("_rescued_data", "JSON")];

describe("planEvolution: the first load creates the table", () => {
  it("creates the batch's columns plus _source_file, written as they are", () => {
    const plan = planEvolution({ table: null, batch: [col("id", "BIGINT"), col("name", "VARCHAR")], mode: "ADD_NEW_COLUMNS" });
    const create = [col("id", "BIGINT"), col("name", "VARCHAR"), col("_source_file", "VARCHAR")];
    expect(plan).toEqual({ ...emptyPlan(), create, tableAfter: create, projection: [identity("id"), identity("name")] });
  });

  it("adds _rescued_data JSON in RESCUE mode only", () => {
    for (const mode of MODES) {
      const plan = planEvolution({ table: null, batch: [col("id", "BIGINT")], mode });
      const system = mode === "RESCUE" ? [col("_source_file", "VARCHAR"), col("_rescued_data", "JSON")] : [col("_source_file", "VARCHAR")];
      expect(plan.create, mode).toEqual([col("id", "BIGINT"), ...system]);
      expect(plan.tableAfter, mode).toEqual(plan.create);
    }
  });

  it("drops batch columns named like system columns, whatever their case", () => {
    const plan = planEvolution({
      table: null,
      batch: [col("id", "BIGINT"), col("_SOURCE_FILE", "VARCHAR"), col("_Rescued_Data", "VARCHAR")],
      mode: "RESCUE",
    });
    expect(plan.create).toEqual([col("id", "BIGINT"), col("_source_file", "VARCHAR"), col("_rescued_data", "JSON")]);
    expect(plan.projection).toEqual([identity("id")]);
  });

  it("creates hinted columns with the hint's type and casts them strictly", () => {
    const plan = planEvolution({
      table: null,
      batch: [col("id", "BIGINT"), col("amount", "DOUBLE")],
      mode: "ADD_NEW_COLUMNS",
      hints: { amount: "DECIMAL(18,2)" },
    });
    expect(plan.create).toEqual([col("id", "BIGINT"), col("amount", "DECIMAL(18,2)"), col("_source_file", "VARCHAR")]);
    expect(plan.projection).toEqual([identity("id"), cast("amount", "DECIMAL(18,2)", true)]);
  });

  it("does not cast a hinted column whose inferred type is already the hint's", () => {
    const plan = planEvolution({ table: null, batch: [col("id", "BIGINT")], mode: "ADD_NEW_COLUMNS", hints: { id: "BIGINT" } });
    expect(plan.projection).toEqual([identity("id")]);
  });

  it("matches hints to columns case-insensitively and keeps the file's spelling", () => {
    const plan = planEvolution({ table: null, batch: [col("Amount", "DOUBLE")], mode: "NONE", hints: { aMOUNT: "DECIMAL(18,2)" } });
    expect(plan.create).toEqual([col("Amount", "DECIMAL(18,2)"), col("_source_file", "VARCHAR")]);
    expect(plan.projection).toEqual([cast("Amount", "DECIMAL(18,2)", true)]);
  });

  it("ignores hints for columns the batch does not have", () => {
    const plan = planEvolution({ table: null, batch: [col("id", "BIGINT")], mode: "ADD_NEW_COLUMNS", hints: { missing: "DOUBLE" } });
    expect(plan.create).toEqual([col("id", "BIGINT"), col("_source_file", "VARCHAR")]);
  });
});

describe("planEvolution: a batch with the table's columns", () => {
  it("writes matching columns as they are and changes nothing, in every mode", () => {
    for (const mode of MODES) {
      const table = mode === "RESCUE" ? RESCUE_TABLE : TABLE;
      const plan = planEvolution({ table, batch: [col("id", "BIGINT"), col("name", "VARCHAR")], mode });
      expect(plan, mode).toEqual({ ...emptyPlan(), projection: [identity("id"), identity("name")], tableAfter: table });
    }
  });

  it("leaves table columns the batch lacks out of the projection (they load as NULL)", () => {
    const plan = planEvolution({ table: TABLE, batch: [col("id", "BIGINT")], mode: "ADD_NEW_COLUMNS" });
    expect(plan.projection).toEqual([identity("id")]);
    expect(plan.tableAfter).toEqual(TABLE);
  });

  it("matches table columns case-insensitively and writes to the table's spelling", () => {
    const plan = planEvolution({ table: [col("UserId", "BIGINT"), col("_source_file", "VARCHAR")], batch: [col("userid", "BIGINT")], mode: "FAIL_ON_NEW_COLUMNS" });
    expect(plan.projection).toEqual([identity("userid", "UserId")]);
    expect(plan.failOn).toEqual({ newColumns: [], mistyped: [] });
  });

  it("casts an all-NULL column to the table's type", () => {
    const plan = planEvolution({ table: TABLE, batch: [col("id", "NULL")], mode: "FAIL_ON_NEW_COLUMNS" });
    expect(plan.projection).toEqual([cast("id", "BIGINT", true)]);
    expect(plan.widen).toEqual([]);
  });

  it("casts a narrower batch type up to the table's type without changing the table", () => {
    const plan = planEvolution({ table: [col("n", "DOUBLE"), col("_source_file", "VARCHAR")], batch: [col("n", "INTEGER")], mode: "ADD_NEW_COLUMNS" });
    expect(plan.projection).toEqual([cast("n", "DOUBLE", true)]);
    expect(plan.widen).toEqual([]);
    expect(plan.tableAfter).toEqual([col("n", "DOUBLE"), col("_source_file", "VARCHAR")]);
  });

  it("compares types case-insensitively", () => {
    const plan = planEvolution({ table: [col("n", "bigint")], batch: [col("n", "BIGINT")], mode: "ADD_NEW_COLUMNS" });
    expect(plan.projection).toEqual([identity("n")]);
  });
});

describe("planEvolution: new columns, per mode", () => {
  const batch = [col("id", "BIGINT"), col("extra", "BOOLEAN")];

  it("ADD_NEW_COLUMNS adds them to the table and writes them", () => {
    const plan = planEvolution({ table: TABLE, batch, mode: "ADD_NEW_COLUMNS" });
    expect(plan).toEqual({
      ...emptyPlan(),
      addColumns: [col("extra", "BOOLEAN")],
      projection: [identity("id"), identity("extra")],
      tableAfter: [...TABLE, col("extra", "BOOLEAN")],
    });
  });

  it("ADD_NEW_COLUMNS adds a hinted new column with the hint's type", () => {
    const plan = planEvolution({ table: TABLE, batch: [col("price", "DOUBLE")], mode: "ADD_NEW_COLUMNS", hints: { PRICE: "DECIMAL(10,2)" } });
    expect(plan.addColumns).toEqual([col("price", "DECIMAL(10,2)")]);
    expect(plan.projection).toEqual([cast("price", "DECIMAL(10,2)", true)]);
  });

  it("RESCUE keeps the schema and sends them whole to _rescued_data", () => {
    const plan = planEvolution({ table: RESCUE_TABLE, batch, mode: "RESCUE" });
    expect(plan).toEqual({
      ...emptyPlan(),
      projection: [identity("id")],
      rescue: { whole: ["extra"], mistyped: [] },
      tableAfter: RESCUE_TABLE,
    });
  });

  it("RESCUE adds _rescued_data to a table that lacks it, only when something is rescued", () => {
    const rescuing = planEvolution({ table: TABLE, batch, mode: "RESCUE" });
    expect(rescuing.addColumns).toEqual([col("_rescued_data", "JSON")]);
    expect(rescuing.tableAfter).toEqual([...TABLE, col("_rescued_data", "JSON")]);
    const nothing = planEvolution({ table: TABLE, batch: [col("id", "BIGINT")], mode: "RESCUE" });
    expect(nothing.addColumns).toEqual([]);
    expect(nothing.tableAfter).toEqual(TABLE);
  });

  it("FAIL_ON_NEW_COLUMNS refuses them and leaves the table as it is", () => {
    const plan = planEvolution({ table: TABLE, batch: [...batch, col("note", "VARCHAR")], mode: "FAIL_ON_NEW_COLUMNS" });
    expect(plan).toEqual({
      ...emptyPlan(),
      projection: [identity("id")],
      failOn: { newColumns: ["extra", "note"], mistyped: [] },
      tableAfter: TABLE,
    });
  });

  it("NONE ignores them", () => {
    const plan = planEvolution({ table: TABLE, batch, mode: "NONE" });
    expect(plan).toEqual({ ...emptyPlan(), projection: [identity("id")], ignored: ["extra"], tableAfter: TABLE });
  });

  it("treats a column that differs from a table column only in case as the same column", () => {
    for (const mode of MODES) {
      const plan = planEvolution({ table: TABLE, batch: [col("NAME", "VARCHAR")], mode });
      expect(plan.addColumns, mode).toEqual([]);
      expect(plan.projection, mode).toEqual([identity("NAME", "name")]);
    }
  });
});

describe("planEvolution: type changes, per mode", () => {
  const table = [col("n", "INTEGER"), col("_source_file", "VARCHAR")];

  it("widens the column losslessly in every mode (INTEGER → BIGINT)", () => {
    for (const mode of MODES) {
      const plan = planEvolution({ table, batch: [col("n", "BIGINT")], mode });
      expect(plan.widen, mode).toEqual([{ name: "n", from: "INTEGER", to: "BIGINT" }]);
      expect(plan.projection, mode).toEqual([cast("n", "BIGINT", true)]);
      expect(plan.tableAfter, mode).toEqual([col("n", "BIGINT"), col("_source_file", "VARCHAR")]);
      expect(plan.failOn, mode).toEqual({ newColumns: [], mistyped: [] });
      expect(plan.rescue, mode).toEqual({ whole: [], mistyped: [] });
    }
  });

  it("widens under the table's spelling of the column", () => {
    const plan = planEvolution({ table: [col("Total", "BIGINT")], batch: [col("total", "DOUBLE")], mode: "ADD_NEW_COLUMNS" });
    expect(plan.widen).toEqual([{ name: "Total", from: "BIGINT", to: "DOUBLE" }]);
    expect(plan.projection).toEqual([cast("total", "DOUBLE", true, "Total")]);
    expect(plan.tableAfter).toEqual([col("Total", "DOUBLE")]);
  });

  const incompatible = { table: [col("n", "BIGINT"), col("_source_file", "VARCHAR")], batch: [col("n", "VARCHAR")] };

  it("ADD_NEW_COLUMNS casts an incompatible type strictly to the table's (a value that does not convert fails the file)", () => {
    const plan = planEvolution({ ...incompatible, mode: "ADD_NEW_COLUMNS" });
    expect(plan).toEqual({ ...emptyPlan(), projection: [cast("n", "BIGINT", true)], tableAfter: incompatible.table });
  });

  it("RESCUE casts leniently and rescues the values that do not convert", () => {
    const plan = planEvolution({ ...incompatible, mode: "RESCUE" });
    expect(plan.projection).toEqual([cast("n", "BIGINT", false)]);
    expect(plan.rescue).toEqual({ whole: [], mistyped: [{ name: "n", type: "BIGINT" }] });
    expect(plan.addColumns).toEqual([col("_rescued_data", "JSON")]);
    expect(plan.widen).toEqual([]);
  });

  it("FAIL_ON_NEW_COLUMNS refuses the type change and does not write the column", () => {
    const plan = planEvolution({ ...incompatible, mode: "FAIL_ON_NEW_COLUMNS" });
    expect(plan).toEqual({
      ...emptyPlan(),
      failOn: { newColumns: [], mistyped: [{ name: "n", from: "BIGINT", to: "VARCHAR" }] },
      tableAfter: incompatible.table,
    });
  });

  it("NONE casts leniently (values that do not convert become NULL) and rescues nothing", () => {
    const plan = planEvolution({ ...incompatible, mode: "NONE" });
    expect(plan).toEqual({ ...emptyPlan(), projection: [cast("n", "BIGINT", false)], tableAfter: incompatible.table });
  });

  it("a hint that matches the table's type turns an incompatible column into a strict cast", () => {
    const plan = planEvolution({ ...incompatible, mode: "FAIL_ON_NEW_COLUMNS", hints: { n: "BIGINT" } });
    expect(plan.projection).toEqual([cast("n", "BIGINT", true)]);
    expect(plan.failOn).toEqual({ newColumns: [], mistyped: [] });
  });

  it("a hinted column is cast to the hint when the table already has the hinted type", () => {
    const table = [col("amount", "DECIMAL(18,2)"), col("_source_file", "VARCHAR")];
    const plan = planEvolution({ table, batch: [col("amount", "DOUBLE")], mode: "ADD_NEW_COLUMNS", hints: { amount: "DECIMAL(18,2)" } });
    expect(plan.projection).toEqual([cast("amount", "DECIMAL(18,2)", true)]);
    expect(plan.widen).toEqual([]);
  });
});

describe("planEvolution: a JSON column holds any value", () => {
  it.each(MODES)("%s writes any batch type into a JSON column, refusing and rescuing nothing", (mode) => {
    const plan = planEvolution({ table: [col("v", "JSON")], batch: [col("v", "VARCHAR")], mode });
    expect(plan).toEqual({ ...emptyPlan(), projection: [cast("v", "JSON", true)], tableAfter: [col("v", "JSON")] });
    for (const type of ["BIGINT", "BOOLEAN", "STRUCT(k BIGINT)", "BIGINT[]"]) {
      expect(planEvolution({ table: [col("v", "JSON")], batch: [col("v", type)], mode }).projection).toEqual([cast("v", "JSON", true)]);
    }
  });
});

describe("isWidening", () => {
  const cases: [string, string, boolean][] = [
    ["TINYINT", "SMALLINT", true],
    ["SMALLINT", "INTEGER", true],
    ["INTEGER", "BIGINT", true],
    ["BIGINT", "HUGEINT", true],
    ["INTEGER", "DOUBLE", true],
    ["BIGINT", "DOUBLE", true],
    ["HUGEINT", "DOUBLE", true],
    ["FLOAT", "DOUBLE", true],
    ["integer", "bigint", true],
    ["TINYINT", "FLOAT", false],
    ["INTEGER", "FLOAT", false],
    ["BIGINT", "INTEGER", false],
    ["DOUBLE", "BIGINT", false],
    ["DOUBLE", "FLOAT", false],
    ["BIGINT", "BIGINT", false],
    ["DOUBLE", "DOUBLE", false],
    ["INTEGER", "VARCHAR", false],
    ["VARCHAR", "INTEGER", false],
    ["INTEGER", "DECIMAL(18,2)", false],
    ["DATE", "TIMESTAMP", false],
    ["UINTEGER", "BIGINT", false],
  ];
  it.each(cases)("%s → %s is %s", (from, to, expected) => {
    expect(isWidening(from, to)).toBe(expected);
  });
});

describe("applyHints", () => {
  it("replaces hinted types by name, case-insensitively, and keeps order and names", () => {
    expect(applyHints([col("A", "BIGINT"), col("b", "VARCHAR")], { a: "INTEGER" })).toEqual([col("A", "INTEGER"), col("b", "VARCHAR")]);
  });
});

describe("diffSchemas", () => {
  it("lists added, removed and retyped columns", () => {
    const before = [col("id", "INTEGER"), col("gone", "VARCHAR"), col("same", "DATE")];
    const after = [col("id", "BIGINT"), col("same", "DATE"), col("new", "BOOLEAN")];
    expect(diffSchemas(before, after)).toEqual({
      added: [col("new", "BOOLEAN")],
      removed: [col("gone", "VARCHAR")],
      typeChanged: [{ name: "id", from: "INTEGER", to: "BIGINT" }],
    });
  });

  it("from nothing, every column is added", () => {
    const after = [col("id", "BIGINT"), col("_source_file", "VARCHAR")];
    expect(diffSchemas([], after)).toEqual({ added: after, removed: [], typeChanged: [] });
  });

  it("ignores case in names and types", () => {
    const d = diffSchemas([col("Id", "bigint")], [col("id", "BIGINT")]);
    expect(d).toEqual({ added: [], removed: [], typeChanged: [] });
    expect(isEmptyDiff(d)).toBe(true);
  });

  it("is not empty when anything changed", () => {
    expect(isEmptyDiff(diffSchemas([col("a", "INTEGER")], [col("a", "BIGINT")]))).toBe(false);
    expect(isEmptyDiff(diffSchemas([col("a", "INTEGER")], []))).toBe(false);
    expect(isEmptyDiff(diffSchemas([], [col("a", "INTEGER")]))).toBe(false);
  });
});

describe("failReason", () => {
  it("names the new columns", () => {
    const plan = planEvolution({ table: TABLE, batch: [col("extra", "BOOLEAN"), col("note", "VARCHAR")], mode: "FAIL_ON_NEW_COLUMNS" });
    expect(failReason(plan)).toBe("Schema change not allowed (FAIL_ON_NEW_COLUMNS): new column(s) extra, note");
  });

  it("names each type change", () => {
    const plan = planEvolution({ table: TABLE, batch: [col("id", "VARCHAR"), col("name", "BOOLEAN")], mode: "FAIL_ON_NEW_COLUMNS" });
    expect(failReason(plan)).toBe(
      "Schema change not allowed (FAIL_ON_NEW_COLUMNS): column id changed type from BIGINT to VARCHAR; column name changed type from VARCHAR to BOOLEAN",
    );
  });

  it("names new columns first, then type changes", () => {
    const plan = planEvolution({ table: TABLE, batch: [col("id", "VARCHAR"), col("extra", "BOOLEAN")], mode: "FAIL_ON_NEW_COLUMNS" });
    expect(failReason(plan)).toBe(
      "Schema change not allowed (FAIL_ON_NEW_COLUMNS): new column(s) extra; column id changed type from BIGINT to VARCHAR",
    );
  });
});
