import { healthCheckOutput } from "@/shared/contracts/health";
import { publicProcedure, router } from "../trpc";

export const healthRouter = router({
  check: publicProcedure
    .output(healthCheckOutput)
    .query(async ({ ctx }) => {
      const database = await ctx.deps.db
        .$queryRaw`SELECT 1`.then(() => "ok" as const)
        .catch(() => "error" as const);
      return { status: "ok" as const, database };
    }),
});
