import { describe, expect, it } from "vitest";
import { placeFieldErrors } from "@/components/forms/field-errors";
import { createIngestionInput } from "@/shared/contracts/ingestions";
import { previewInput } from "@/shared/contracts/ingestions-preview";
import { estimateCostInput } from "@/shared/contracts/ingestions-cost";
import { estimatePathToForm, previewPathToForm } from "./check-errors";
import {
  defaultConnectionName,
  duplicateHintErrors,
  formKeyOf,
  hintsOf,
  INITIAL_INGESTION_FORM,
  toCostDraft,
  toCreateIngestionDraft,
  toPreviewDraft,
  visibleFieldPaths,
  type IngestionFormValues,
} from "./ingestion-form-values";

const values: IngestionFormValues = {
  ...INITIAL_INGESTION_FORM,
  name: "orders",
  sourceConnection: "files",
  sourcePath: "landing",
  glob: "*.json",
  destinationTable: "orders",
  hints: [
    { id: "a", column: " amount ", type: "decimal(18,2)" },
    { id: "b", column: "", type: "" },
    { id: "c", column: "seen_at", type: "TIMESTAMP" },
  ],
  frequency: "DAILY",
  time: "06:00",
  maxFilesPerRun: "100",
};

describe("schema hints in the create form", () => {
  it("sends hints by trimmed column, ignoring empty rows", () => {
    expect(hintsOf(values.hints)).toEqual({ amount: "decimal(18,2)", seen_at: "TIMESTAMP" });
    const parsed = createIngestionInput.parse(toCreateIngestionDraft(values, "UTC"));
    expect(parsed.schemaPolicy.hints).toEqual({ amount: "DECIMAL(18,2)", seen_at: "TIMESTAMP" });
  });

  it("flags a column hinted twice, case-insensitively", () => {
    const rows = [
      { id: "a", column: "Amount", type: "DOUBLE" },
      { id: "b", column: "amount", type: "BIGINT" },
      { id: "c", column: "id", type: "BIGINT" },
    ];
    expect(Object.keys(duplicateHintErrors(rows))).toEqual(["schemaPolicy.hints.Amount", "schemaPolicy.hints.amount"]);
  });

  it("places a bad hint's error on its row", () => {
    const bad = { ...values, hints: [{ id: "a", column: "amount", type: "MONEY" }] };
    const result = previewInput.safeParse(toPreviewDraft(bad));
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => previewPathToForm(i.path.join(".")));
    expect(paths).toEqual(["schemaPolicy.hints.amount"]);
    const { byField } = placeFieldErrors({ [paths[0]!]: ["bad"] }, visibleFieldPaths(bad));
    expect(byField).toEqual({ "schemaPolicy.hints.amount": ["bad"] });
    expect(formKeyOf("schemaPolicy.hints.amount")).toBe("hints");
  });
});

describe("the preview and estimate drafts", () => {
  it("are valid inputs built from the same values as Create", () => {
    const preview = previewInput.parse(toPreviewDraft(values));
    expect(preview.source).toEqual({ connection: "files", path: "landing", glob: "*.json" });
    expect(preview.hints).toEqual({ amount: "DECIMAL(18,2)", seen_at: "TIMESTAMP" });
    const estimate = estimateCostInput.parse({ draft: toCostDraft(values, "Europe/Berlin") });
    expect(estimate.draft?.schedule).toEqual({
      frequency: "DAILY",
      time: "06:00",
      weekday: null,
      cron: null,
      timezone: "Europe/Berlin",
    });
    expect(estimate.draft?.limits).toEqual({ maxFilesPerRun: 100, maxBytesPerRun: null });
  });

  it("report errors at the form's paths", () => {
    const result = estimateCostInput.safeParse({ draft: toCostDraft({ ...values, sourceConnection: "Not A Name" }, "UTC") });
    expect(result.error!.issues.map((i) => estimatePathToForm(i.path.join(".")))).toEqual(["source.connection"]);
    expect(formKeyOf("source.connection")).toBe("sourceConnection");
    expect(formKeyOf("format.options.delimiter")).toBe("csvDelimiter");
  });
});

describe("an existing destination table in the create form", () => {
  it("sends adoptExistingTable only when ticked, and shows the refusal beside the destination table", () => {
    expect(createIngestionInput.parse(toCreateIngestionDraft(values, "UTC")).adoptExistingTable).toBe(false);
    const adopting = { ...values, adoptExistingTable: true };
    expect(createIngestionInput.parse(toCreateIngestionDraft(adopting, "UTC")).adoptExistingTable).toBe(true);
    // The server's CONFLICT names the field; the checkbox has a place of its own for its errors.
    const refusal = "Table raw.orders already exists with 5 rows (loaded by a deleted ingestion: 2 files in its ledger); set adoptExistingTable to take it over, or choose another table";
    const { byField, formLevel } = placeFieldErrors({ "destination.table": [refusal] }, visibleFieldPaths(values));
    expect([byField, formLevel]).toEqual([{ "destination.table": [refusal] }, []]);
    expect(formKeyOf("adoptExistingTable")).toBe("adoptExistingTable");
  });
});

describe("the connection a new ingestion starts on", () => {
  it("is 'files' when the tenant has it, else its first connection, else none", () => {
    expect(INITIAL_INGESTION_FORM.sourceConnection).toBe("");
    expect(defaultConnectionName(["lake", "files"])).toBe("files");
    expect(defaultConnectionName(["lake", "archive"])).toBe("lake");
    expect(defaultConnectionName([])).toBe("");
  });
});
