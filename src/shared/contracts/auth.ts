// The auth router's contract: sign-in with an API key (a session cookie), sign-out, and who the
// caller is.
import { z } from "zod";
import { roleSchema } from "./keys";

export const signInInput = z.object({ apiKey: z.string({ error: "API key is required" }).trim().min(1, "API key is required").max(200) });
export const signInOutput = z.object({ tenant: z.object({ id: z.string(), name: z.string() }), expiresAt: z.date() });

export const signOutOutput = z.object({ signedOut: z.literal(true) });

export const meOutput = z.object({
  tenant: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  apiKey: z.object({ id: z.string(), name: z.string(), role: roleSchema }),
  via: z.enum(["api-key", "session"]),
});
export type MeOutput = z.infer<typeof meOutput>;
