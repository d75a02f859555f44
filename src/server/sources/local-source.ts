// A local directory under one of the allowed roots, listed recursively in path order.
import { readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { localSourceError } from "./local-roots";
import { SourceError, type ListPage, type Source, type SourceObject } from "./source";

const DEFAULT_PAGE = 1000;

export class LocalSource implements Source {
  readonly type = "LOCAL" as const;

  constructor(
    readonly uri: string,
    private readonly roots: string[],
  ) {}

  private async root(): Promise<string> {
    const error = await localSourceError(this.uri, this.roots);
    if (error) throw new SourceError("OUTSIDE_ROOTS", error);
    try {
      const s = await stat(this.uri);
      if (!s.isDirectory()) throw new SourceError("NOT_FOUND", `Local source ${this.uri} is not a directory`);
    } catch (e) {
      if (e instanceof SourceError) throw e;
      if ((e as NodeJS.ErrnoException).code === "ENOENT") {
        throw new SourceError("NOT_FOUND", `Local source directory ${this.uri} does not exist`);
      }
      throw new SourceError("STORAGE", `Cannot read local source ${this.uri}: ${(e as Error).message}`, { cause: e });
    }
    return this.uri;
  }

  async list(cursor: string | null, pageSize = DEFAULT_PAGE): Promise<ListPage> {
    const root = await this.root();
    const realRoots = await Promise.all(this.roots.map((r) => realpath(r).catch(() => r)));
    const objects: SourceObject[] = [];
    let more = false;
    // Entries are visited in the lexicographic order of their full relative paths (a directory
    // sorts as "name/"), so "everything after cursor" is a prefix-pruned walk, not a full one.
    // Files are stat'ed in parallel, a directory's worth at a time, in listing order.
    const pending: { key: string; full: string }[] = [];
    const flush = async () => {
      const stats = await Promise.all(pending.map((p) => stat(p.full)));
      pending.forEach((p, i) => {
        const s = stats[i];
        if (s) objects.push({ path: p.key, size: s.size, lastModified: s.mtime, etag: `${s.size}-${s.mtimeMs}` });
      });
      pending.length = 0;
    };
    const walk = async (dir: string, rel: string): Promise<boolean> => {
      const entries = await readdir(dir, { withFileTypes: true });
      const keyed = entries
        .filter((e) => e.isFile() || e.isDirectory() || e.isSymbolicLink())
        .map((e) => ({ e, key: rel + e.name + (e.isDirectory() ? "/" : "") }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      for (const { e, key } of keyed) {
        if (cursor !== null && key <= cursor && !(key.endsWith("/") && cursor.startsWith(key))) continue;
        const full = path.join(dir, e.name);
        if (e.isDirectory()) {
          await flush();
          if (await walk(full, key)) return true;
          continue;
        }
        // Symlinks are followed only when they stay inside an allowed root.
        if (e.isSymbolicLink()) {
          const target = await realpath(full).catch(() => null);
          if (!target || !realRoots.some((r) => target === r || target.startsWith(r + path.sep))) continue;
          const ts = await stat(target);
          if (!ts.isFile()) continue;
        }
        if (objects.length + pending.length === pageSize) {
          more = true;
          return true;
        }
        pending.push({ key, full });
      }
      return false;
    };
    await walk(root, "");
    await flush();
    const last = objects[objects.length - 1];
    return { objects, nextCursor: more && last ? last.path : null };
  }

  private resolve(relPath: string): string {
    const full = path.resolve(this.uri, relPath);
    if (full !== this.uri && !full.startsWith(this.uri + path.sep)) {
      throw new SourceError("OUTSIDE_ROOTS", `Path ${relPath} leaves the source directory ${this.uri}`);
    }
    return full;
  }

  async stat(relPath: string): Promise<SourceObject | null> {
    await this.root();
    const full = this.resolve(relPath);
    try {
      // Any component may be a symlink (a linked directory too): judge the resolved path.
      if (await localSourceError(await realpath(full), this.roots)) return null;
      const s = await stat(full);
      if (!s.isFile()) return null;
      return { path: relPath, size: s.size, lastModified: s.mtime, etag: `${s.size}-${s.mtimeMs}` };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw new SourceError("STORAGE", `Cannot read ${full}: ${(e as Error).message}`, { cause: e });
    }
  }

  async localize(relPath: string): Promise<string> {
    const full = this.resolve(relPath);
    const real = await realpath(full).catch((e: NodeJS.ErrnoException) => {
      throw new SourceError(
        e.code === "ENOENT" ? "NOT_FOUND" : "STORAGE",
        e.code === "ENOENT" ? `File ${full} no longer exists` : `Cannot read ${full}: ${e.message}`,
        { cause: e },
      );
    });
    const error = await localSourceError(real, this.roots);
    if (error) throw new SourceError("OUTSIDE_ROOTS", error);
    return full;
  }

  uriOf(relPath: string): string {
    return (this.uri.endsWith("/") ? this.uri : `${this.uri}/`) + relPath;
  }
}
