import { z } from "zod";
import { apiKeyName, apiKeyView, createApiKey, listApiKeys, revokeApiKey } from "@/server/services/auth/api-keys";
import { adminProcedure, protectedProcedure, router } from "../trpc";

export const keysRouter = router({
  list: protectedProcedure
    .output(z.array(apiKeyView))
    .query(({ ctx }) => listApiKeys(ctx.deps, ctx.auth.tenantId)),
  create: adminProcedure
    .input(z.object({ name: apiKeyName, isAdmin: z.boolean().default(false) }))
    .output(z.object({ key: z.string(), apiKey: apiKeyView }))
    .mutation(({ ctx, input }) => createApiKey(ctx.deps, ctx.auth.tenantId, input)),
  revoke: adminProcedure
    .input(z.object({ id: z.string().min(1).max(64) }))
    .output(apiKeyView)
    .mutation(({ ctx, input }) => revokeApiKey(ctx.deps, ctx.auth.tenantId, input.id)),
});
