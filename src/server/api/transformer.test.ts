import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { serializeOutput } from "./transformer";

const at = (iso: string) => new Date(iso);

/** Shaped like the API's outputs: nested objects, arrays of dates, nulls, enums, a record. */
const listPage = {
  items: [0, 1, 2].map((i) => ({
    id: `01a2-${i}`,
    name: `ingestion ${i}`,
    description: i === 1 ? null : "orders",
    source: { type: "LOCAL", connection: { id: "c", name: "files", type: "LOCAL" }, path: "", glob: null, modifiedAfter: i === 2 ? at("2026-01-01T00:00:00Z") : null },
    format: { type: "CSV", options: { header: true, nullString: "", compression: "AUTO", delimiter: undefined } },
    schemaPolicy: { evolutionMode: "ADD_NEW_COLUMNS", hints: { "amount.usd": "DOUBLE", "back\\slash": "VARCHAR" } },
    schedule: { frequency: "DAILY", nextRunAt: at("2026-11-23T13:30:00Z"), upcoming: [at("2026-11-23T13:30:00Z"), at("2026-11-24T13:30:00Z")] },
    limits: { maxFilesPerRun: null, maxBytesPerRun: 2 ** 50 },
    alertRecipients: [],
    createdAt: at("2026-11-22T12:00:00Z"),
  })),
  nextCursor: null,
};

describe("serializeOutput", () => {
  it.each<[string, unknown]>([
    ["an ingestions.list page", listPage],
    ["an object without dates (no meta)", { a: 1, b: "x", c: [true, null], d: {} }],
    ["an array at the root", [at("2026-01-01T00:00:00Z"), { when: at("2026-01-02T00:00:00Z") }, [1, [2]]]],
    ["undefined values in objects and arrays", { a: undefined, b: [undefined, 1], c: { d: undefined } }],
    ["numeric and dotted keys", { "0": at("2026-01-01T00:00:00Z"), "a.b": { "c.d": at("2026-01-01T00:00:00Z") }, "e\\": 1 }],
    ["an object without a prototype", Object.assign(Object.create(null) as object, { when: at("2026-01-01T00:00:00Z") })],
    ["primitives at the root", "text"],
    ["empty containers", { items: [], nextCursor: null }],
  ])("writes exactly what superjson writes: %s", (_, value) => {
    const encoded = serializeOutput(value);
    expect(encoded).toStrictEqual(superjson.serialize(value));
    expect(superjson.deserialize(JSON.parse(JSON.stringify(encoded)))).toEqual(value);
  });

  const shared = { id: "x" };
  const date = at("2026-01-01T00:00:00Z");
  it.each<[string, unknown]>([
    ["a bigint", { n: 10n }],
    ["a Map and a Set", { m: new Map([["a", 1]]), s: new Set([1]) }],
    ["an object met twice", { a: shared, b: [shared] }],
    ["a Date met twice", { a: date, b: date }],
    ["NaN, Infinity and -0", { a: Number.NaN, b: Number.POSITIVE_INFINITY, c: -0 }],
    ["an invalid date", { a: new Date(Number.NaN) }],
    ["a class instance", { e: new Error("boom"), r: /x/ }],
    ["null at the root", null],
    ["a Date at the root", date],
    ["undefined at the root", undefined],
    // eslint-disable-next-line no-sparse-arrays -- the hole is the case
    ["a sparse array", { a: [1, , 3] }],
  ])("leaves the unusual to superjson: %s", (_, value) => {
    expect(serializeOutput(value)).toStrictEqual(superjson.serialize(value));
  });

  it("refuses a prototype-polluting key as superjson does", () => {
    const value = JSON.parse('{"__proto__": {"x": 1}}') as unknown;
    expect(() => serializeOutput(value)).toThrow(/prototype pollution/);
  });
});

describe("keys named constructor or prototype", () => {
  // A column may be called that (a schema hint, a previewed row): superjson refuses any such key,
  // so one ingestion's hint used to fail its tenant's whole list page. Plain JSON under the key
  // needs no annotation, which is the only thing the client's superjson walks by path.
  it("are written as plain JSON when nothing under them needs an annotation, and read back as sent", () => {
    const value = { hints: { constructor: "VARCHAR", prototype: "INTEGER", id: "BIGINT" }, at: at("2026-01-01T00:00:00Z") };
    const out = serializeOutput(value);
    expect(out).toEqual({ json: { hints: { constructor: "VARCHAR", prototype: "INTEGER", id: "BIGINT" }, at: "2026-01-01T00:00:00.000Z" }, meta: { values: { at: ["Date"] }, v: 1 } });
    expect(superjson.deserialize(out as Parameters<typeof superjson.deserialize>[0])).toEqual(value);
  });

  it("still go to superjson (which refuses them) when a value under them needs an annotation", () => {
    expect(() => serializeOutput({ row: { constructor: at("2026-01-01T00:00:00Z") } })).toThrow(/prototype pollution/);
  });
});
