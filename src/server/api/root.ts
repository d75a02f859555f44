import { auditRouter } from "./routers/audit";
import { authRouter } from "./routers/auth";
import { connectionsRouter } from "./routers/connections";
import { filesRouter } from "./routers/files";
import { healthRouter } from "./routers/health";
import { ingestionsRouter } from "./routers/ingestions";
import { keysRouter } from "./routers/keys";
import { runsRouter } from "./routers/runs";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  health: healthRouter,
  auth: authRouter,
  keys: keysRouter,
  connections: connectionsRouter,
  ingestions: ingestionsRouter,
  runs: runsRouter,
  files: filesRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;

/** Procedures callable without credentials; every other one must answer UNAUTHORIZED. */
export const PUBLIC_PROCEDURES = ["health.check", "auth.signIn"] as const;

export const createCaller = createCallerFactory(appRouter);
