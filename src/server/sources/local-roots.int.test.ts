// Allowed local roots against a real filesystem: lexical containment, symlinks in the source and
// in the root, paths that do not exist yet, and paths that cannot be resolved.
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";
import { localSourceError } from "./local-roots";

describe("local source roots", () => {
  let tmp: TempDir;
  let root: string;
  let outside: string;

  beforeAll(async () => {
    tmp = await makeTempDir("local-roots");
    root = path.join(tmp.path, "root");
    outside = path.join(tmp.path, "outside");
    await mkdir(path.join(root, "data", "2026"), { recursive: true });
    await mkdir(outside, { recursive: true });
    await symlink(outside, path.join(root, "escape"));
    await symlink(path.join(root, "data"), path.join(root, "alias"));
    await writeFile(path.join(root, "plain-file"), "not a directory");
    await symlink(path.join(root, "loop"), path.join(root, "loop"));
  });
  afterAll(() => tmp.remove());

  const outsideMessage = (dir: string, roots: string[]) =>
    `Local source ${dir} is outside the allowed roots (${roots.join(", ")}); set AUTOLOADER_LOCAL_ROOTS to allow it`;

  it("allows the root itself, directories under it, and directories that do not exist yet", async () => {
    for (const dir of [root, `${root}/data`, `${root}/data/2026`, `${root}/not/yet/there`]) {
      expect({ dir, error: await localSourceError(dir, [root]) }).toEqual({ dir, error: null });
    }
  });

  it("says local sources are disabled when there are no roots", async () => {
    expect(await localSourceError(`${root}/data`, [])).toBe(
      "Local sources are disabled: set AUTOLOADER_LOCAL_ROOTS to the directories Autoloader may read",
    );
  });

  it("refuses directories outside every root, including a sibling that shares the root's name as a prefix", async () => {
    const other = path.join(tmp.path, "other-root");
    for (const dir of [`${root}-sibling`, `${root}2/data`, tmp.path, "/etc", `${root}/../outside`]) {
      expect(await localSourceError(dir, [root, other])).toBe(outsideMessage(path.resolve(dir), [root, other]));
    }
  });

  it("allows a directory under any one of several roots", async () => {
    const other = path.join(tmp.path, "other-root");
    expect(await localSourceError(`${other}/x`, [root, other])).toBeNull();
  });

  it("refuses a symlink that leads outside the roots, also for paths below it that do not exist", async () => {
    for (const [dir, real] of [
      [`${root}/escape`, outside],
      [`${root}/escape/deeper/still`, `${outside}/deeper/still`],
    ] as const) {
      expect(await localSourceError(dir, [root])).toBe(
        `Local source ${dir} resolves through a symlink to ${real}, outside the allowed roots (${root})`,
      );
    }
  });

  it("allows a symlink that stays inside the roots", async () => {
    expect(await localSourceError(`${root}/alias/2026`, [root])).toBeNull();
  });

  it("allows directories under a root that is itself a symlink", async () => {
    const linkedRoot = path.join(tmp.path, "linked-root");
    await symlink(root, linkedRoot);
    expect(await localSourceError(`${linkedRoot}/data`, [linkedRoot])).toBeNull();
    // The same directory named through the root's target is not under the configured root.
    expect(await localSourceError(`${root}/data`, [linkedRoot])).toBe(outsideMessage(`${root}/data`, [linkedRoot]));
  });

  it("answers with a reason, rather than throwing, for a path below a regular file", async () => {
    await expect(localSourceError(`${root}/plain-file/sub`, [root])).resolves.toEqual(expect.any(String));
  });

  it("answers with a reason, rather than throwing, for a path through a symlink loop", async () => {
    await expect(localSourceError(`${root}/loop/sub`, [root])).resolves.toEqual(expect.any(String));
  });
});
