// A local directory under one of the allowed roots, listed recursively in path order. A file is
// read through the descriptor that was checked: localize opens it, judges the path the kernel
// says it opened (any symlink, in the name or a directory, already resolved), and hands DuckDB a
// link to that open descriptor, so swapping the file for a symlink afterwards changes nothing.
import { closeSync, constants, createWriteStream, existsSync, fstatSync, openSync, readlinkSync, rmSync, symlinkSync, type Stats } from "node:fs";
import { mkdir, open, readdir, readlink, realpath, rm, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { isWithin, localSourceError } from "./local-roots";
import { SourceError, stagedName, type ListPage, type Source, type SourceObject } from "./source";

const DEFAULT_PAGE = 1000;

/** Linux names each open descriptor here; opening the entry opens the same file (even renamed or replaced). */
const PROC_FD = "/proc/self/fd";
let procFd: boolean | undefined;
const hasProcFd = () => (procFd ??= existsSync(PROC_FD));

/** O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused as not a file right after). */
/** Extensions DuckDB reads compression from (compression AUTO). */
const COMPRESSED = /\.(gz|gzip|zst|zstd)$/i;

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0);

export class LocalSource implements Source {
  readonly type = "LOCAL" as const;

  /** Descriptors held for DuckDB until `release`, by the staged link that names them (null: a staged copy). */
  private readonly held = new Map<string, FileHandle | number | null>();
  /** Files localized by descriptor so far, to give the event loop a turn now and then. */
  private localized = 0;
  private realRoots: Promise<string[]> | undefined;

  constructor(
    readonly uri: string,
    private readonly roots: string[],
  ) {}

  /** Staging directories made so far: one mkdir per directory, not per file (a batch holds thousands). */
  private readonly staging = new Map<string, Promise<unknown>>();

  private stagingReady(dir: string): Promise<unknown> {
    let made = this.staging.get(dir);
    if (!made) {
      made = mkdir(dir, { recursive: true });
      this.staging.set(dir, made);
      made.catch(() => this.staging.delete(dir));
    }
    return made;
  }

  private realRootsOf(): Promise<string[]> {
    this.realRoots ??= Promise.all(this.roots.map((r) => realpath(r).catch(() => path.resolve(r))));
    return this.realRoots;
  }

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

  async list(listCursor: string | null, pageSize = DEFAULT_PAGE, startAfter: string | null = null): Promise<ListPage> {
    // The cursor is the last path listed, so starting after a path is the same walk.
    const cursor = listCursor ?? startAfter;
    const root = await this.root();
    const realRoots = await Promise.all(this.roots.map((r) => realpath(r).catch(() => r)));
    const objects: SourceObject[] = [];
    let more = false;
    // Entries are visited in the lexicographic order of their full relative paths (a directory
    // sorts as "name/"), so "everything after cursor" is a prefix-pruned walk, not a full one.
    // Files are stat'ed in parallel, a directory's worth at a time, in listing order.
    const pending: { key: string; full: string }[] = [];
    const flush = async () => {
      // A file removed (or renamed away) since the directory was read is simply not listed.
      const stats = await Promise.all(
        pending.map((p) =>
          stat(p.full).catch((e: NodeJS.ErrnoException) => {
            if (e.code === "ENOENT") return null;
            throw e;
          }),
        ),
      );
      pending.forEach((p, i) => {
        const s = stats[i];
        if (s?.isFile()) objects.push({ path: p.key, size: s.size, lastModified: s.mtime, etag: `${s.size}-${s.mtimeMs}` });
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
          if (!target || !realRoots.some((r) => isWithin(target, r))) continue;
          const ts = await stat(target).catch(() => null);
          if (!ts?.isFile()) continue;
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
    if (!isWithin(full, this.uri)) {
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

  /** The real path of what `fh` has open: the kernel's answer on Linux; elsewhere, the resolved name, if it still is that file. */
  private async openedPath(fh: FileHandle, full: string, opened: Stats): Promise<string | null> {
    if (hasProcFd()) return (await readlink(`${PROC_FD}/${fh.fd}`)).replace(/ \(deleted\)$/, "");
    const real = await realpath(full);
    const now = await stat(real);
    return now.dev === opened.dev && now.ino === opened.ino ? real : null;
  }

  /** What the kernel opened for `full` (its real path) must lie under a granted root. */
  private async assertInsideRoots(real: string, full: string): Promise<void> {
    const roots = await this.realRootsOf();
    if (!roots.some((r) => isWithin(real, r))) {
      throw new SourceError("OUTSIDE_ROOTS", `${full} resolves through a symlink to outside the allowed roots; it loads once it is a file inside them`);
    }
  }

  async localize(relPath: string, stagingDir: string): Promise<string> {
    const full = this.resolve(relPath);
    if (hasProcFd()) return this.localizeByDescriptor(full, relPath, stagingDir);
    let fh: FileHandle;
    try {
      fh = await open(full, OPEN_FLAGS);
    } catch (e) {
      throw openFailure(full, e);
    }
    try {
      const opened = await fh.stat();
      if (!opened.isFile()) throw new SourceError("STORAGE", `${full} is not a regular file`);
      const real = await this.openedPath(fh, full, opened);
      if (real === null) throw new SourceError("STORAGE", `${full} changed while it was being opened; it loads on a later run`);
      await this.assertInsideRoots(real, full);
      await this.stagingReady(stagingDir);
      const staged = path.join(stagingDir, stagedName(relPath));
      await rm(staged, { force: true });
      await pipeline(fh.createReadStream({ start: 0, autoClose: false }), createWriteStream(staged, { mode: 0o600 }));
      await fh.close();
      this.held.set(staged, null);
      return staged;
    } catch (e) {
      await fh.close().catch(() => undefined);
      if (e instanceof SourceError) throw e;
      throw new SourceError("STORAGE", `Cannot read ${full}: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * Linux: open, judge what the kernel opened, link the staged name to the descriptor. The calls
   * are synchronous: each is a local syscall of microseconds, while four awaited ones per file made
   * a batch of 1,000 small files 0.6 s slower on a busy threadpool. Every 64 files the event loop
   * gets a turn.
   */
  private async localizeByDescriptor(full: string, relPath: string, stagingDir: string): Promise<string> {
    if (++this.localized % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
    let fd: number;
    try {
      fd = openSync(full, OPEN_FLAGS);
    } catch (e) {
      throw openFailure(full, e);
    }
    try {
      if (!fstatSync(fd).isFile()) throw new SourceError("STORAGE", `${full} is not a regular file`);
      // The kernel's answer: every symlink, in the name or a directory, already resolved.
      const real = readlinkSync(`${PROC_FD}/${fd}`).replace(/ \(deleted\)$/, "");
      await this.assertInsideRoots(real, full);
      // DuckDB opens the descriptor's entry, the kernel the descriptor's file: the inode checked
      // above. A file whose compression DuckDB tells by its extension gets a staged link that keeps
      // the extension; the others are read through the entry itself (no link to write and remove:
      // 0.5 ms a file on small-file feeds).
      if (!COMPRESSED.test(relPath)) {
        const entry = `${PROC_FD}/${fd}`;
        this.held.set(entry, fd);
        return entry;
      }
      await this.stagingReady(stagingDir);
      const staged = path.join(stagingDir, stagedName(relPath));
      try {
        symlinkSync(`${PROC_FD}/${fd}`, staged);
      } catch (error) {
        // The same file localized again into this directory: the old link goes first.
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        await this.release([staged]);
        rmSync(staged, { force: true });
        symlinkSync(`${PROC_FD}/${fd}`, staged);
      }
      this.held.set(staged, fd);
      return staged;
    } catch (e) {
      closeSync(fd);
      if (e instanceof SourceError) throw e;
      throw new SourceError("STORAGE", `Cannot read ${full}: ${(e as Error).message}`, { cause: e });
    }
  }

  async release(localPaths: string[]): Promise<void> {
    for (const p of localPaths) {
      if (!this.held.has(p)) continue;
      const held = this.held.get(p);
      this.held.delete(p);
      if (typeof held === "number") {
        if (!p.startsWith(`${PROC_FD}/`)) rmSync(p, { force: true });
        closeSync(held);
      } else {
        await rm(p, { force: true });
        await held?.close();
      }
    }
  }

  uriOf(relPath: string): string {
    return (this.uri.endsWith("/") ? this.uri : `${this.uri}/`) + relPath;
  }
}

/** Why opening a file to load it failed, as the run records it: gone (NOT_FOUND) or unreadable. */
function openFailure(full: string, e: unknown): SourceError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new SourceError("NOT_FOUND", `File ${full} no longer exists`, { cause: e });
  if (code === "ELOOP") return new SourceError("STORAGE", `File ${full} cannot be resolved: its symlinks form a loop`, { cause: e });
  return new SourceError("STORAGE", `Cannot read ${full}: ${(e as Error).message}`, { cause: e });
}
