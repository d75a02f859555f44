// What the API returns for a connection: never its secret, at most a hint of its access key id.
import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import type { SecretBox } from "@/server/secrets/secret-box";
import { connectionUri, storedConnectionSelect } from "@/server/sources/source-factory";

/** The columns a view needs; the ciphertext only to derive the key-id hint. */
export const connectionSelect = {
  ...storedConnectionSelect,
  description: true,
  createdAt: true,
  updatedAt: true,
  _count: { select: { ingestions: true } },
} satisfies Prisma.ConnectionSelect;

export type ConnectionRow = Prisma.ConnectionGetPayload<{ select: typeof connectionSelect }>;

export const CREDENTIALS_KINDS = ["KEYS", "AMBIENT", "ENV_REF", "NONE"] as const;

export const connectionView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  type: z.enum(["LOCAL", "S3"]),
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
        kind: z.enum(CREDENTIALS_KINDS),
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

function keyHint(ciphertext: string | null, secrets: SecretBox | null): string | null {
  if (!ciphertext || !secrets) return null;
  try {
    const { accessKeyId } = JSON.parse(secrets.decrypt(ciphertext)) as { accessKeyId?: string };
    return accessKeyId && accessKeyId.length > 8 ? `…${accessKeyId.slice(-4)}` : "…";
  } catch {
    return null;
  }
}

export function toConnectionView(row: ConnectionRow, secrets: SecretBox | null): ConnectionView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    type: row.type,
    uri: connectionUri(row, ""),
    local: row.type === "LOCAL" ? { path: row.localPath ?? "" } : null,
    s3:
      row.type === "S3"
        ? {
            bucket: row.bucket ?? "",
            prefix: row.prefix,
            region: row.region,
            endpoint: row.endpoint,
            forcePathStyle: row.forcePathStyle,
            credentials: {
              kind: row.credentialsKind ?? "AMBIENT",
              ref: row.credentialsKind === "ENV_REF" ? row.credentialsRef : null,
              accessKeyIdHint: row.credentialsKind === "KEYS" ? keyHint(row.secretCiphertext, secrets) : null,
            },
          }
        : null,
    ingestions: row._count.ingestions,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
