// Valid create-ingestion inputs for tests; each test overrides what it is about.
import type { CreateIngestionDraft } from "@/server/domain/ingestion-input";

/** A JSON ingestion of `<root>/<name>` into raw.<name as identifier>, manual only. */
export function ingestionDraft(
  root: string,
  name: string,
  overrides: Partial<CreateIngestionDraft> = {},
): CreateIngestionDraft {
  const table = name.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^([^a-z_])/, "_$1");
  return {
    name,
    source: { uri: `${root}/${table}` },
    format: { type: "JSON" },
    destination: { schema: "raw", table },
    ...overrides,
  };
}
