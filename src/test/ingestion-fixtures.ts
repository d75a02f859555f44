// Valid create-ingestion inputs for tests; each test overrides what it is about.
import type { CreateIngestionDraft } from "@/shared/contracts/ingestions";
import { FILES } from "./connection-fixtures";

/** A JSON ingestion of `<root>/<name>` (`_root` names the directory the "files" connection is on) into raw.<name as identifier>, manual only. */
export function ingestionDraft(
  _root: string,
  name: string,
  overrides: Partial<CreateIngestionDraft> = {},
): CreateIngestionDraft {
  const table = name.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^([^a-z_])/, "_$1");
  return {
    name,
    // Through the tenant's "files" connection on `root` (createLocalConnection).
    source: { connection: FILES, path: table },
    format: { type: "JSON" },
    destination: { schema: "raw", table },
    ...overrides,
  };
}
