// The connections router's contract: a storage connection as the API takes it (with the messages
// users see) and as it answers. Shared by the tRPC procedures and the dashboard's connection form.
import { z } from "zod";
import { CredentialsKind, SourceType } from "@/generated/prisma/enums";
import { parseSourceUri, S3_BUCKET } from "@/shared/source-uri";
import { connectionName, sourcePathSchema } from "./ingestions";

const region = z
  .string()
  .trim()
  .regex(/^[a-z0-9-]{2,32}$/, "Region must look like us-east-1")
  .optional()
  .nullable()
  .transform((r) => r ?? null);

const endpoint = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "http:" || u.protocol === "https:") && u.username === "" && u.password === "";
    } catch {
      return false;
    }
  }, "Endpoint must be an http(s) URL without credentials, e.g. https://s3.example.com")
  // The origin is what the grants compare and the client connects to.
  .transform((v) => new URL(v).origin)
  .optional()
  .nullable()
  .transform((e) => e ?? null);

const secretText = (what: string) =>
  z.string({ error: `${what} is required` }).trim().min(1, `${what} is required`).max(2048, `${what} must be at most 2048 characters`);

export const credentialsInput = z.discriminatedUnion(
  "kind",
  [
    z.object({
      kind: z.literal("KEYS"),
      accessKeyId: secretText("Access key id"),
      secretAccessKey: secretText("Secret access key"),
      sessionToken: z.string().trim().max(4096, "Session token must be at most 4096 characters").optional().nullable(),
    }),
    z.object({ kind: z.literal("AMBIENT") }),
    z.object({
      kind: z.literal("ENV_REF"),
      ref: z
        .string({ error: "Credentials reference is required" })
        .trim()
        .regex(
          /^[A-Z][A-Z0-9_]{0,63}$/,
          "Credentials reference must be an upper-case name such as ANALYTICS (the keys are read from AUTOLOADER_S3_<NAME>_ACCESS_KEY_ID and _SECRET_ACCESS_KEY)",
        ),
    }),
    z.object({ kind: z.literal("NONE") }),
  ],
  { error: "Credentials kind must be KEYS, AMBIENT, ENV_REF or NONE" },
);
export type CredentialsInput = z.infer<typeof credentialsInput>;

export const localLocation = z.object({
  type: z.literal("LOCAL"),
  path: z
    .string({ error: "Path is required" })
    .trim()
    .min(1, "Path is required")
    .max(1024, "Path must be at most 1024 characters")
    .refine((p) => p.startsWith("/"), "A local connection's path must be absolute (start with /)")
    .refine((p) => !p.split("/").includes(".."), "A local connection's path must not contain '..'")
    .refine((p) => ![...p].some((c) => c.charCodeAt(0) < 0x20), "Path contains control characters")
    .transform((p) => "/" + p.split("/").filter((s) => s !== "" && s !== ".").join("/")),
});

export const s3Location = z
  .object({
    type: z.literal("S3"),
    bucket: z
      .string({ error: "Bucket is required" })
      .trim()
      .min(1, "Bucket is required")
      .refine((b) => S3_BUCKET.test(b) && !b.includes(".."), {
        error: (iss) => `S3 bucket name "${String(iss.input)}" is invalid: use 3–63 lowercase letters, digits, dots and hyphens`,
      }),
    prefix: sourcePathSchema.optional().nullable().transform((p) => p ?? ""),
    region,
    endpoint,
    forcePathStyle: z.boolean({ error: "forcePathStyle must be true or false" }).default(false),
    credentials: credentialsInput,
  })
  .superRefine((s, ctx) => {
    const parsed = parseSourceUri(`s3://${s.bucket}/${s.prefix}`);
    if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message, path: ["bucket"] });
  });

export const connectionLocation = z.discriminatedUnion("type", [localLocation, s3Location], {
  error: "Connection type must be LOCAL or S3",
});
export type ConnectionLocation = z.infer<typeof connectionLocation>;

const description = z.string().trim().max(500, "Description must be at most 500 characters").optional().nullable();

export const createConnectionInput = z.object({
  name: connectionName,
  description,
  location: connectionLocation,
});
export type CreateConnectionInput = z.infer<typeof createConnectionInput>;
export type CreateConnectionDraft = z.input<typeof createConnectionInput>;

export const connectionRef = z.object({
  name: connectionName,
});

export const updateConnectionInput = z.object({
  name: connectionName,
  patch: z
    .object({
      name: connectionName,
      description: description.transform((d) => d ?? null),
      /** The whole location; for S3, credentials `{ kind: "KEYS", … }` replace the stored keys. */
      location: connectionLocation,
    })
    .partial()
    .refine((p) => Object.values(p).some((v) => v !== undefined), "Nothing to update: the patch is empty"),
});
export type UpdateConnectionInput = z.infer<typeof updateConnectionInput>;

export const listConnectionsInput = z
  .object({
    limit: z.number().int().min(1, "Limit must be 1–100").max(100, "Limit must be 1–100").default(50),
    cursor: z.string().max(64).nullish(),
  })
  .default({ limit: 50 });

export const testConnectionInput = z.object({
  name: connectionName,
  path: sourcePathSchema.optional().nullable().transform((p) => p ?? ""),
});

export const connectionView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  type: z.enum(SourceType),
  /** The directory, or s3://bucket/prefix. */
  uri: z.string(),
  local: z.object({ path: z.string() }).nullable(),
  s3: z
    .object({
      bucket: z.string(),
      prefix: z.string(),
      region: z.string().nullable(),
      endpoint: z.string().nullable(),
      forcePathStyle: z.boolean(),
      credentials: z.object({
        kind: z.enum(CredentialsKind),
        /** ENV_REF: the reference's name. */
        ref: z.string().nullable(),
        /** KEYS: the last 4 characters of the access key id, e.g. "…WXYZ". */
        accessKeyIdHint: z.string().nullable(),
      }),
    })
    .nullable(),
  /** How many ingestions read through it (a connection in use cannot be deleted). */
  ingestions: z.number(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type ConnectionView = z.infer<typeof connectionView>;

export const listConnectionsOutput = z.object({ items: z.array(connectionView), nextCursor: z.string().nullable() });

export const deleteConnectionOutput = z.object({ id: z.string(), name: z.string() });

export const connectionTestView = z.object({
  ok: z.boolean(),
  /** What was found, or why it failed. */
  message: z.string(),
  /** The first few paths listed (at most 5). */
  sample: z.array(z.string()),
});
export type ConnectionTestView = z.infer<typeof connectionTestView>;
