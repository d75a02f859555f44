// Builds the Source of an ingestion from its stored columns.
import { parseSourceUri } from "@/server/domain/source-uri";
import { LocalSource } from "./local-source";
import { S3Source } from "./s3-source";
import { SourceError, type Source } from "./source";

export interface SourceSpec {
  sourceUri: string;
  sourceOptions: unknown;
}

export type SourceFactory = (spec: SourceSpec) => Source;

interface StoredS3Options {
  region?: string | null;
  endpoint?: string | null;
  forcePathStyle?: boolean;
  credentialsRef?: string | null;
}

export function createSourceFactory(config: { localRoots: string[]; env?: Record<string, string | undefined> }): SourceFactory {
  return (spec) => {
    const parsed = parseSourceUri(spec.sourceUri);
    if (!parsed.ok) throw new SourceError("STORAGE", parsed.message);
    if (parsed.value.type === "LOCAL") return new LocalSource(parsed.value.path, config.localRoots);
    const o = (spec.sourceOptions ?? {}) as StoredS3Options;
    return new S3Source({
      bucket: parsed.value.bucket,
      prefix: parsed.value.prefix,
      region: o.region ?? null,
      endpoint: o.endpoint ?? null,
      forcePathStyle: o.forcePathStyle ?? false,
      credentialsRef: o.credentialsRef ?? null,
      ...(config.env ? { env: config.env } : {}),
    });
  };
}
