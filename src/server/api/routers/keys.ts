import { createApiKey, listApiKeys, revokeApiKey } from "@/server/services/auth/api-keys";
import { apiKeyView, createApiKeyInput, createApiKeyOutput, listApiKeysOutput, revokeApiKeyInput } from "@/shared/contracts/keys";
import { adminProcedure, router } from "../trpc";

export const keysRouter = router({
  list: adminProcedure
    .output(listApiKeysOutput)
    .query(({ ctx }) => listApiKeys(ctx.deps, ctx.auth.tenantId)),
  create: adminProcedure
    .meta({ audit: { action: "key.create", target: "key" } })
    .input(createApiKeyInput)
    .output(createApiKeyOutput)
    .mutation(({ ctx, input }) => createApiKey(ctx.deps, ctx.auth.tenantId, input)),
  revoke: adminProcedure
    .meta({ audit: { action: "key.revoke", target: "key" } })
    .input(revokeApiKeyInput)
    .output(apiKeyView)
    .mutation(({ ctx, input }) => revokeApiKey(ctx.deps, ctx.auth.tenantId, input.id)),
});
