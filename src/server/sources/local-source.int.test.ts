// LocalSource on a real filesystem: recursive listing in path order with cursor pagination,
// symlinks inside and outside the allowed roots, reads through the checked descriptor, and the
// errors for bad sources and paths.
import { execFileSync } from "node:child_process";
import { lstat, mkdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";
import { writeFiles } from "@/test/run-fixtures";
import { LocalSource } from "./local-source";
import { listAll } from "./listing";
import { SourceError } from "./source";

async function sourceError(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (error) {
    if (error instanceof SourceError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a SourceError, but the call succeeded");
}

async function allPaths(source: LocalSource, pageSize?: number): Promise<string[][]> {
  const pages: string[][] = [];
  for await (const page of listAll(source, pageSize)) pages.push(page.map((o) => o.path));
  return pages;
}

describe("LocalSource", () => {
  let tmp: TempDir;
  let root: string; // the allowed root
  let dir: string; // the source directory, under the root
  let outside: string; // next to the root, not allowed
  let source: LocalSource;
  let staging: string; // where localize links what it opened

  // Byte order of the full relative paths: "-" (0x2D) < "." (0x2E) < "/" (0x2F) < letters, and "_" (0x5F) < "a".
  const LISTED = [
    ".hidden.json",
    "_SUCCESS",
    "a-c",
    "a.json",
    "a/b",
    "a/z/deep.json",
    "b.json",
    "c/d/e.json",
    "link-in.json",
    "z.json",
  ];

  beforeAll(async () => {
    tmp = await makeTempDir("local-source");
    root = path.join(tmp.path, "root");
    dir = path.join(root, "src");
    outside = path.join(tmp.path, "outside");
    await writeFiles(dir, {
      ".hidden.json": "{}\n",
      _SUCCESS: "",
      "a-c": "a-c",
      "a.json": '{"a":1}\n',
      "a/b": "b",
      "a/z/deep.json": '{"deep":true}\n',
      "b.json": "{}\n",
      "c/d/e.json": '{"e":5}\n',
      "z.json": "zzzz",
    });
    await mkdir(path.join(dir, "empty-dir", "nested"), { recursive: true });
    await writeFiles(path.join(root, "other"), { "inside.json": '{"inside":true}\n' });
    await writeFiles(path.join(root, "src-sibling"), { "x.json": "sibling" });
    await writeFiles(outside, { "secret.json": '{"secret":true}\n' });
    await symlink(path.join(root, "other", "inside.json"), path.join(dir, "link-in.json"));
    await symlink(path.join(outside, "secret.json"), path.join(dir, "link-out.json"));
    await symlink(outside, path.join(dir, "escape"));
    await symlink(path.join(dir, "nowhere.json"), path.join(dir, "broken.json"));
    source = new LocalSource(dir, [root]);
    staging = path.join(tmp.path, "staging");
  });
  afterAll(() => tmp.remove());

  const outsideMessage = (p: string) =>
    `${dir}/${p} resolves through a symlink to outside the allowed roots; it loads once it is a file inside them`;

  describe("listing", () => {
    it("lists every file recursively in path order, relative to the source, with sizes", async () => {
      const page = await source.list(null);
      expect(page.nextCursor).toBeNull();
      expect(page.objects.map((o) => o.path)).toEqual(LISTED);
      const byPath = new Map(page.objects.map((o) => [o.path, o]));
      expect(byPath.get("z.json")).toEqual({
        path: "z.json",
        size: 4,
        lastModified: expect.any(Date),
        etag: expect.stringMatching(/^4-\d+(\.\d+)?$/),
      });
      expect(byPath.get("_SUCCESS")?.size).toBe(0);
      // A symlink inside the roots is followed: the target's size.
      expect(byPath.get("link-in.json")?.size).toBe('{"inside":true}\n'.length);
    });

    it("pages of 2 concatenate to the full listing, without gaps or duplicates", async () => {
      const pages = await allPaths(source, 2);
      expect(pages).toEqual([
        [".hidden.json", "_SUCCESS"],
        ["a-c", "a.json"],
        ["a/b", "a/z/deep.json"],
        ["b.json", "c/d/e.json"],
        ["link-in.json", "z.json"],
      ]);
      expect(pages.flat()).toEqual(LISTED);
      expect(await allPaths(source, 3)).toEqual([LISTED.slice(0, 3), LISTED.slice(3, 6), LISTED.slice(6, 9), LISTED.slice(9)]);
      expect((await allPaths(source, 1)).flat()).toEqual(LISTED);
    });

    it("returns the last path of a full page as the cursor, and null on the page that ends the listing", async () => {
      const first = await source.list(null, 4);
      expect(first).toMatchObject({ nextCursor: "a.json" });
      const second = await source.list("a.json", 4);
      expect(second.objects.map((o) => o.path)).toEqual(["a/b", "a/z/deep.json", "b.json", "c/d/e.json"]);
      expect(second.nextCursor).toBe("c/d/e.json");
      const last = await source.list("c/d/e.json", 4);
      expect(last).toEqual({ objects: expect.any(Array), nextCursor: null });
      expect(last.objects.map((o) => o.path)).toEqual(["link-in.json", "z.json"]);
      // Exactly a page's worth left: no empty extra page.
      expect((await source.list("b.json", 3)).nextCursor).toBeNull();
    });

    it("resumes strictly after any cursor, also one that names no file or lies inside a directory", async () => {
      const after = async (cursor: string) => (await source.list(cursor)).objects.map((o) => o.path);
      expect(await after("a-c")).toEqual(LISTED.slice(3));
      expect(await after("a/")).toEqual(["a/b", "a/z/deep.json", "b.json", "c/d/e.json", "link-in.json", "z.json"]);
      expect(await after("a/c")).toEqual(["a/z/deep.json", "b.json", "c/d/e.json", "link-in.json", "z.json"]);
      expect(await after("a/z/deep.json")).toEqual(["b.json", "c/d/e.json", "link-in.json", "z.json"]);
      expect(await after("b")).toEqual(["b.json", "c/d/e.json", "link-in.json", "z.json"]);
      expect(await after("c/d/")).toEqual(["c/d/e.json", "link-in.json", "z.json"]);
      expect(await source.list("zz", 2)).toEqual({ objects: [], nextCursor: null });
    });

    it("keeps its place when files change between pages", async () => {
      const scratch = path.join(root, "moving");
      await writeFiles(scratch, { "1.json": "1", "2.json": "2", "3.json": "3", "4.json": "4" });
      const moving = new LocalSource(scratch, [root]);
      const first = await moving.list(null, 2);
      expect(first.objects.map((o) => o.path)).toEqual(["1.json", "2.json"]);
      await rm(path.join(scratch, "2.json")); // the cursor's own file goes away
      await writeFiles(scratch, { "0.json": "0", "5.json": "5" }); // one before, one after the cursor
      const rest = await moving.list(first.nextCursor, 10);
      expect(rest).toMatchObject({ nextCursor: null });
      expect(rest.objects.map((o) => o.path)).toEqual(["3.json", "4.json", "5.json"]);
    });
  });

  describe("symlinks", () => {
    it("does not list a symlink to a file outside the roots, a directory symlink leading outside, or a broken link", async () => {
      const paths = (await source.list(null)).objects.map((o) => o.path);
      for (const p of ["link-out.json", "escape/secret.json", "broken.json"]) expect(paths).not.toContain(p);
    });

    it("follows a symlink inside the roots for stat and localize", async () => {
      expect(await source.stat("link-in.json")).toMatchObject({ path: "link-in.json", size: '{"inside":true}\n'.length });
      const local = await source.localize("link-in.json", staging);
      expect(await readFile(local, "utf8")).toBe('{"inside":true}\n');
      await source.release([local]);
    });

    it("refuses a symlink to a file outside the roots: stat answers null, localize says why", async () => {
      expect(await source.stat("link-out.json")).toBeNull();
      expect(await sourceError(source.localize("link-out.json", staging))).toEqual({
        code: "OUTSIDE_ROOTS",
        message: outsideMessage("link-out.json"),
      });
    });

    it("refuses a file reached through a directory symlink that leaves the roots", async () => {
      expect(await sourceError(source.localize("escape/secret.json", staging))).toEqual({
        code: "OUTSIDE_ROOTS",
        message: outsideMessage("escape/secret.json"),
      });
      // Like a file symlink leading outside: no metadata of a file outside the roots.
      expect(await source.stat("escape/secret.json")).toBeNull();
    });
  });

  describe("stat and localize", () => {
    it("stats files; directories, broken links and missing paths are null", async () => {
      expect(await source.stat("a/z/deep.json")).toMatchObject({ path: "a/z/deep.json", size: '{"deep":true}\n'.length });
      for (const p of ["a", "empty-dir", "broken.json", "nope.json", "a/nope/deeper.json"]) {
        expect({ p, found: await source.stat(p) }).toEqual({ p, found: null });
      }
    });

    it("localizes without a copy: the descriptor it opened and checked (through a link that keeps a compressed file's extension), closed on release", async () => {
      const full = path.join(dir, "c", "d", "e.json");
      const local = await source.localize("c/d/e.json", staging);
      // An uncompressed file: DuckDB reads the descriptor's own entry, nothing is written.
      expect(local).toMatch(/^\/proc\/self\/fd\/\d+$/);
      expect((await stat(local)).ino).toBe((await stat(full)).ino);
      await source.release([local]);
      expect(await stat(local).then((s) => s.ino).catch(() => null)).not.toBe((await stat(full)).ino);
      // A compressed one: a staged link named with its extension, to the descriptor.
      await writeFiles(dir, { "c/d/f.jsonl.gz": "zz" });
      const gz = await source.localize("c/d/f.jsonl.gz", staging);
      expect(path.dirname(gz)).toBe(staging);
      expect(path.basename(gz)).toMatch(/^[0-9a-f]{24}\.jsonl\.gz$/);
      expect(await readlink(gz)).toMatch(/^\/proc\/self\/fd\/\d+$/);
      expect((await stat(gz)).ino).toBe((await stat(path.join(dir, "c", "d", "f.jsonl.gz"))).ino);
      await source.release([gz]);
      expect(await lstat(gz).catch((e: NodeJS.ErrnoException) => e.code)).toBe("ENOENT");
      expect(await sourceError(source.localize("gone.json", staging))).toEqual({
        code: "NOT_FOUND",
        message: `File ${dir}/gone.json no longer exists`,
      });
    });

    it("reads the file it checked even when a symlink out of the roots replaces it afterwards", async () => {
      await writeFiles(dir, { "swap/x.jsonl.gz": "checked" });
      const full = path.join(dir, "swap", "x.jsonl.gz");
      const local = await source.localize("swap/x.jsonl.gz", staging);
      // The extensions stay, for DuckDB's detection of compression.
      expect(local).toMatch(/\.jsonl\.gz$/);
      await symlink(path.join(outside, "secret.json"), `${full}.tmp`);
      await rename(`${full}.tmp`, full);
      expect(await readFile(local, "utf8")).toBe("checked");
      // Its directory swapped for a link out of the roots: the same.
      await rename(path.join(dir, "swap"), path.join(dir, "swap-old"));
      await symlink(outside, path.join(dir, "swap"));
      expect(await readFile(local, "utf8")).toBe("checked");
      await source.release([local]);
      expect(await sourceError(source.localize("swap/x.jsonl.gz", staging))).toEqual({ code: "NOT_FOUND", message: `File ${full} no longer exists` });
      await writeFile(path.join(outside, "x.jsonl.gz"), "foreign");
      expect(await sourceError(source.localize("swap/x.jsonl.gz", staging))).toEqual({ code: "OUTSIDE_ROOTS", message: outsideMessage("swap/x.jsonl.gz") });
      await rm(path.join(dir, "swap"));
      await rm(path.join(dir, "swap-old"), { recursive: true });
    });

    it("refuses what is not a regular file without blocking on it: a FIFO, a directory", async () => {
      execFileSync("mkfifo", [path.join(dir, "pipe.json")]);
      try {
        expect(await sourceError(source.localize("pipe.json", staging))).toEqual({ code: "STORAGE", message: `${dir}/pipe.json is not a regular file` });
      } finally {
        await rm(path.join(dir, "pipe.json"));
      }
      expect(await sourceError(source.localize("a", staging))).toEqual({ code: "STORAGE", message: `${dir}/a is not a regular file` });
    });

    it("refuses relative paths that leave the source directory", async () => {
      for (const p of ["../other/inside.json", "../src-sibling/x.json", "a/../../other/inside.json", "/etc/hostname"]) {
        const expected = { code: "OUTSIDE_ROOTS", message: `Path ${p} leaves the source directory ${dir}` };
        expect({ p, error: await sourceError(source.stat(p)) }).toEqual({ p, error: expected });
        expect({ p, error: await sourceError(source.localize(p, staging)) }).toEqual({ p, error: expected });
      }
      // ".." that stays inside is just a path.
      expect(await source.stat("a/../b.json")).toMatchObject({ size: 3 });
    });

    it("names full file URIs", () => {
      expect(source.uri).toBe(dir);
      expect(source.uriOf("a/z/deep.json")).toBe(`${dir}/a/z/deep.json`);
    });
  });

  describe("bad sources", () => {
    it("says a missing source directory does not exist", async () => {
      const missing = path.join(root, "missing");
      const expected = { code: "NOT_FOUND", message: `Local source directory ${missing} does not exist` };
      expect(await sourceError(new LocalSource(missing, [root]).list(null))).toEqual(expected);
      expect(await sourceError(new LocalSource(missing, [root]).stat("a.json"))).toEqual(expected);
    });

    it("says a file is not a directory", async () => {
      const file = path.join(dir, "a.json");
      expect(await sourceError(new LocalSource(file, [root]).list(null))).toEqual({
        code: "NOT_FOUND",
        message: `Local source ${file} is not a directory`,
      });
    });

    it("refuses a source outside the roots, one that escapes through a symlink, and any when no roots are set", async () => {
      expect(await sourceError(new LocalSource(outside, [root]).list(null))).toEqual({
        code: "OUTSIDE_ROOTS",
        message: `Local source ${outside} is outside the allowed roots (${root}); set AUTOLOADER_LOCAL_ROOTS to allow it`,
      });
      expect(await sourceError(new LocalSource(path.join(root, "src-sibling"), [dir]).list(null))).toEqual({
        code: "OUTSIDE_ROOTS",
        message: `Local source ${root}/src-sibling is outside the allowed roots (${dir}); set AUTOLOADER_LOCAL_ROOTS to allow it`,
      });
      const escape = path.join(dir, "escape");
      expect(await sourceError(new LocalSource(escape, [root]).list(null))).toEqual({
        code: "OUTSIDE_ROOTS",
        message: `Local source ${escape} resolves through a symlink to ${outside}, outside the allowed roots (${root})`,
      });
      expect(await sourceError(new LocalSource(dir, []).list(null))).toEqual({
        code: "OUTSIDE_ROOTS",
        message: "Local sources are disabled: set AUTOLOADER_LOCAL_ROOTS to the directories Autoloader may read",
      });
    });

    it("lists an empty directory as one empty, final page", async () => {
      expect(await new LocalSource(path.join(dir, "empty-dir"), [root]).list(null)).toEqual({ objects: [], nextCursor: null });
      expect(await allPaths(new LocalSource(path.join(dir, "empty-dir"), [root]))).toEqual([]);
    });
  });
});
