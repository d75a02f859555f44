// Keeps local sources inside the configured roots, including through symlinks.
import { realpath } from "node:fs/promises";
import path from "node:path";

/** Whether `child` is `root` or lies under it (both absolute, compared as written). */
export function isWithin(child: string, root: string): boolean {
  const rel = path.relative(root, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** The real path of `p`, resolving symlinks in the longest prefix that exists. */
async function realPathOfPrefix(p: string): Promise<string> {
  let existing = p;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(await realpath(existing), ...rest);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      const parent = path.dirname(existing);
      if (parent === existing) return p;
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
}

/** null when `dir` lies under one of `roots`, otherwise the reason it does not. */
export async function localSourceError(dir: string, roots: string[]): Promise<string | null> {
  if (roots.length === 0) {
    return "Local sources are disabled: set AUTOLOADER_LOCAL_ROOTS to the directories Autoloader may read";
  }
  const lexical = path.resolve(dir);
  const outside = `Local source ${lexical} is outside the allowed roots (${roots.join(", ")}); set AUTOLOADER_LOCAL_ROOTS to allow it`;
  if (!roots.some((r) => isWithin(lexical, r))) return outside;
  let real: string;
  let realRoots: string[];
  try {
    real = await realPathOfPrefix(lexical);
    realRoots = await Promise.all(roots.map(realPathOfPrefix));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") return `Local source ${lexical} is not a directory (part of the path is a file)`;
    if (code === "ELOOP") return `Local source ${lexical} cannot be resolved: its symlinks form a loop`;
    return `Local source ${lexical} cannot be checked (${code ?? "error"})`;
  }
  if (!realRoots.some((r) => isWithin(real, r))) {
    return `Local source ${lexical} resolves through a symlink to ${real}, outside the allowed roots (${roots.join(", ")})`;
  }
  return null;
}
