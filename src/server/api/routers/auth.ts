import { signIn, signOut } from "@/server/services/auth/sessions";
import { meOutput, signInInput, signInOutput, signOutOutput } from "@/shared/contracts/auth";
import { publicProcedure, router, viewerProcedure } from "../trpc";

export const authRouter = router({
  signIn: publicProcedure
    .meta({ audit: { action: "auth.signIn", target: "key", actor: "presented-key" } })
    .input(signInInput)
    .output(signInOutput)
    .mutation(async ({ ctx, input }) => {
      const session = await signIn(ctx.deps, input.apiKey, ctx.sessionSecret);
      ctx.cookies.set(session.cookieValue, session.expiresAt);
      return { tenant: session.tenant, expiresAt: session.expiresAt };
    }),
  signOut: viewerProcedure
    .meta({ audit: { action: "auth.signOut", target: "key" } })
    .output(signOutOutput)
    .mutation(async ({ ctx }) => {
      await signOut(ctx.deps, ctx.auth);
      ctx.cookies.clear();
      return { signedOut: true as const };
    }),
  me: viewerProcedure
    .output(meOutput)
    .query(async ({ ctx }) => {
      const key = await ctx.deps.db.apiKey.findFirstOrThrow({
        where: { id: ctx.auth.apiKeyId, tenantId: ctx.auth.tenantId },
        select: { id: true, name: true, role: true, tenant: { select: { id: true, slug: true, name: true } } },
      });
      return {
        tenant: key.tenant,
        apiKey: { id: key.id, name: key.name, role: key.role },
        via: ctx.auth.via,
      };
    }),
});
