// Runs once when the server starts: opens the database (applying migrations, creating the first
// admin key) before the first request, and closes it cleanly on shutdown.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getRuntime, closeRuntime } = await import("./server/runtime");
  await getRuntime();
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`[server] ${signal}: closing the database`);
    closeRuntime()
      .catch((error: unknown) => console.error("[server] close failed:", error))
      .finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
