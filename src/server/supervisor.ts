// Ties the server's life to the start command's: when `npm start` (scripts/start.ts) dies, even by
// SIGKILL, which it cannot pass on, the server notices within a moment and stops, so it never
// lingers holding the port and the embedded database's lock. The start script likewise watches
// the processes that launched it (npm and its shell), so killing npm alone stops everything.
import { readFileSync } from "node:fs";
import path from "node:path";

/** Whether process `pid` exists (one we may not signal exists too). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Calls `onGone` once, soon after process `pid` is gone. When that process is this one's parent,
 * being re-parented counts as gone too: it happens at the parent's death, before anyone reaps it.
 * Returns a function that stops watching.
 */
export function watchSupervisor(pid: number, onGone: () => void, intervalMs = 500): () => void {
  const isParent = process.ppid === pid;
  const timer = setInterval(() => {
    if (processExists(pid) && (!isParent || process.ppid === pid)) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  // Watching alone must not keep a process alive.
  timer.unref();
  return () => clearInterval(timer);
}

interface ProcInfo {
  ppid: number;
  /** R, S, Z (a zombie: dead, not yet reaped) … */
  state: string;
  argv: string[];
}

/** A process's parent, state and command line from /proc (Linux); null when it is gone or there is no /proc. */
function procInfo(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid …": comm may hold spaces and parentheses.
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return { ppid: Number(ppid), state: state ?? "?", argv };
  } catch {
    return null;
  }
}

/** npm itself (`npm`, or node running npm-cli.js), or the shell npm runs a script in. */
export function isLauncher(argv: readonly string[], script: string): boolean {
  const names = argv.slice(0, 2).map((a) => path.basename(a));
  if (names.some((n) => n === "npm" || n === "npm-cli.js")) return true;
  return ["sh", "bash", "dash"].includes(names[0] ?? "") && argv[1] === "-c" && (argv[2] ?? "").includes(script);
}

/**
 * The processes that launched this one for the start command (its shell and npm), innermost
 * first, each with the parent it had: empty without /proc, or when started directly.
 */
export function launchers(script: string): { pid: number; ppid: number }[] {
  const chain: { pid: number; ppid: number }[] = [];
  for (let pid = process.ppid; pid > 1; ) {
    const info = procInfo(pid);
    if (!info || !isLauncher(info.argv, script)) break;
    chain.push({ pid, ppid: info.ppid });
    pid = info.ppid;
  }
  return chain;
}

/**
 * Calls `onGone` once, soon after any of the launchers dies: it is gone or a zombie, or its
 * child in the chain was re-parented (which happens at its death). Returns a function that stops.
 */
export function watchLaunchers(chain: { pid: number; ppid: number }[], onGone: (pid: number) => void, intervalMs = 500): () => void {
  if (chain.length === 0) return () => undefined;
  const timer = setInterval(() => {
    const dead = chain.find((l) => {
      const info = procInfo(l.pid);
      return !info || info.state === "Z" || info.ppid !== l.ppid;
    });
    const first = chain[0];
    const reparented = first !== undefined && process.ppid !== first.pid;
    if (!dead && !reparented) return;
    clearInterval(timer);
    onGone((dead ?? first)!.pid);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
