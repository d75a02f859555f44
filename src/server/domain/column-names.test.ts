import { describe, expect, it } from "vitest";
import { columnNamesFor, renameMessage, renamesOf } from "./column-names";

describe("columnNamesFor", () => {
  it("keeps ordinary and odd-but-legal keys as they are", () => {
    const keys = ["id", "a\"b", "a'b", "new\nline", "", "ünï 📦", "rowid", "__al_file", "__al_uri"];
    expect(columnNamesFor(keys).map((c) => [c.name, c.reason])).toEqual(keys.map((k) => [k, null]));
  });

  it("renames a key with NUL characters to the symbol for NUL, whatever other keys there are", () => {
    expect(columnNamesFor(["a\0b", "x"])).toEqual([
      { source: "a\0b", name: "a\u2400b", reason: "NUL_CHARACTER" },
      { source: "x", name: "x", reason: null },
    ]);
    expect(columnNamesFor(["a_b", "a\0b"]).map((c) => c.name)).toEqual(["a_b", "a\u2400b"]);
  });

  it("never takes the name of a key that needed no renaming, whatever the order", () => {
    expect(columnNamesFor(["a\0b", "a\u2400b", "a\u2400b_1"]).map((c) => c.name)).toEqual(["a\u2400b_2", "a\u2400b", "a\u2400b_1"]);
  });

  it("renames the loader's own column names in any case, and keys that differ only by case", () => {
    expect(columnNamesFor(["_source_file", "_RESCUED_DATA", "Id", "ID", "_source_file_1"])).toEqual([
      { source: "_source_file", name: "_source_file_2", reason: "RESERVED" },
      { source: "_RESCUED_DATA", name: "_RESCUED_DATA_1", reason: "RESERVED" },
      { source: "Id", name: "Id", reason: null },
      { source: "ID", name: "ID_1", reason: "DUPLICATE" },
      { source: "_source_file_1", name: "_source_file_1", reason: null },
    ]);
  });

  it("gives the same names for the same keys every time", () => {
    const keys = ["_source_file", "a\0b", "A\0B"];
    expect(columnNamesFor(keys)).toEqual(columnNamesFor([...keys]));
    expect(columnNamesFor(keys).map((c) => c.name)).toEqual(["_source_file_1", "a\u2400b", "A\u2400B_1"]);
  });

  it("reports renames with a message that names the key and the column", () => {
    const renames = renamesOf(columnNamesFor(["ok", "a\0b", "_source_file"]));
    expect(renames.map(renameMessage)).toEqual([
      `Key "a\\u0000b" contains a NUL character, which no column name can hold: loaded as column 'a\u2400b'`,
      `Key "_source_file" is the name of the loader's own column: loaded as column '_source_file_1' (the loader's '_source_file' is kept)`,
    ]);
  });
});
