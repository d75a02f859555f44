// The keys router's contract: a tenant's API keys (the secret is answered once, at creation).
import { z } from "zod";
import { Role } from "@/generated/prisma/enums";

export const roleSchema = z.enum(Role, { error: "Role must be ADMIN, EDITOR or VIEWER" });

export const apiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  role: roleSchema,
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  expiresAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});
export type ApiKeyView = z.infer<typeof apiKeyView>;

export const apiKeyName = z
  .string({ error: "Key name is required" })
  .trim()
  .min(1, "Key name is required")
  .max(100, "Key name must be at most 100 characters");

export const listApiKeysOutput = z.array(apiKeyView);

export const createApiKeyInput = z.object({
  name: apiKeyName,
  role: roleSchema.default("EDITOR"),
  expiresAt: z.coerce.date({ error: "Expiry must be a date" }).nullish(),
});
/** The key itself, shown once, and its record. */
export const createApiKeyOutput = z.object({ key: z.string(), apiKey: apiKeyView });
export type CreateApiKeyOutput = z.infer<typeof createApiKeyOutput>;

export const revokeApiKeyInput = z.object({ id: z.string().min(1).max(64) });
