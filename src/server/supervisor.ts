// Ties the server's life to the start command's: when `npm start` (scripts/start.ts) dies, even by
// SIGKILL, which it cannot pass on, the server notices within a moment and stops, so it never
// lingers holding the port and the embedded database's lock.

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
