import { z } from "zod";
import { apiKeyName, apiKeyView, createApiKey, listApiKeys, revokeApiKey, roleSchema } from "@/server/services/auth/api-keys";
import { adminProcedure, router } from "../trpc";

export const keysRouter = router({
  list: adminProcedure
    .output(z.array(apiKeyView))
    .query(({ ctx }) => listApiKeys(ctx.deps, ctx.auth.tenantId)),
  create: adminProcedure
    .meta({ audit: { action: "key.create", target: "key" } })
    .input(
      z.object({
        name: apiKeyName,
        role: roleSchema.default("EDITOR"),
        expiresAt: z.coerce.date({ error: "Expiry must be a date" }).nullish(),
      }),
    )
    .output(z.object({ key: z.string(), apiKey: apiKeyView }))
    .mutation(({ ctx, input }) => createApiKey(ctx.deps, ctx.auth.tenantId, input)),
  revoke: adminProcedure
    .meta({ audit: { action: "key.revoke", target: "key" } })
    .input(z.object({ id: z.string().min(1).max(64) }))
    .output(apiKeyView)
    .mutation(({ ctx, input }) => revokeApiKey(ctx.deps, ctx.auth.tenantId, input.id)),
});
