// Server start: opens the database (applying migrations, creating the first admin key) before
// the first request, and closes it cleanly on shutdown.
import { closeRuntime, getRuntime } from "./runtime";

export async function startServer(): Promise<void> {
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
