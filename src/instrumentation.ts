// Runs once when the server starts. The Node-only work lives in server/start-server.ts so the
// Edge bundle of this file never sees process APIs.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // `next build` loads this file too; a build must not open (or lock) the database.
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { startServer } = await import("./server/start-server");
  await startServer();
}
