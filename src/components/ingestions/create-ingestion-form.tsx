"use client";
// The new-ingestion form. It validates with the API's own schema before sending, and shows the
// client's and the server's errors in the same places: beside the field they are about. Before
// creating, it can preview the source (schema, sample rows, warnings) and estimate the cost;
// both are optional, and their refusals show beside the fields too.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, useSyncExternalStore, type FormEvent } from "react";
import { browserTimeZone, useHydrated } from "@/components/date-time";
import { setFlashMessage } from "@/components/flash-message";
import { fieldErrorsFromZod, placeFieldErrors, type FieldErrors } from "@/components/forms/field-errors";
import {
  CheckboxField,
  FormErrors,
  FormField,
  SelectField,
  TextField,
  type BoundField,
} from "@/components/forms/form-field";
import { createIngestionInput, EVOLUTION_MODES } from "@/shared/contracts/ingestions";
import { describeSchedule, SCHEDULE_FREQUENCIES, WEEKDAYS } from "@/shared/schedule";
import { locationOf } from "@/components/connections/connection-form-values";
import { useTRPC } from "@/trpc/react";
import { mergeFieldErrors, sameInput } from "./check-errors";
import { CostEstimate, useCostEstimate } from "./cost-estimate";
import {
  defaultConnectionName,
  duplicateHintErrors,
  FIELD_PATHS,
  formKeyOf,
  INITIAL_INGESTION_FORM,
  toCostDraft,
  toCreateIngestionDraft,
  toPreviewDraft,
  visibleFieldPaths,
  type EvolutionMode,
  type IngestionFormValues,
  type JsonLayout,
} from "./ingestion-form-values";
import { SchemaHintsField } from "./schema-hints-field";
import { SourcePreview, useSourcePreview } from "./source-preview";

const FREQUENCY_LABELS: Record<(typeof SCHEDULE_FREQUENCIES)[number], string> = {
  NONE: "Manual only",
  HOURLY: "Hourly",
  DAILY: "Daily",
  WEEKLY: "Weekly",
  CUSTOM: "Custom (cron)",
};

const EVOLUTION_LABELS: Record<EvolutionMode, string> = {
  ADD_NEW_COLUMNS: "Add new columns",
  RESCUE: "Rescue new columns into _rescued_data",
  FAIL_ON_NEW_COLUMNS: "Fail on new columns",
  NONE: "Ignore new columns",
};

const JSON_LAYOUT_LABELS: Record<JsonLayout, string> = {
  AUTO: "Detect automatically",
  NEWLINE_DELIMITED: "Newline-delimited (one record per line)",
  ARRAY: "Array (one top-level array per file)",
};

const subscribeNever = () => () => undefined;

/**
 * A check's errors that still apply: those about a form value unchanged since the check was
 * asked for (editing a field clears its error, as after Create).
 */
function currentCheckErrors(
  errors: FieldErrors | null,
  snapshot: IngestionFormValues | null,
  values: IngestionFormValues,
): FieldErrors {
  if (!errors || !snapshot) return {};
  return Object.fromEntries(
    Object.entries(errors).filter(([path]) => {
      const key = formKeyOf(path);
      return key !== null && sameInput(snapshot[key], values[key]);
    }),
  );
}

export function CreateIngestionForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [formValues, setValues] = useState<IngestionFormValues>(INITIAL_INGESTION_FORM);
  // The tenant's connections to choose from (a tenant has a few; the first 100 are offered).
  const connections = useQuery(trpc.connections.list.queryOptions({ limit: 100 }));
  const connectionItems = connections.data?.items ?? [];
  // Until one is picked, the default one: what Preview, Estimate and Create send is what the select shows.
  const values: IngestionFormValues =
    formValues.sourceConnection === ""
      ? { ...formValues, sourceConnection: defaultConnectionName(connectionItems.map((c) => c.name)) }
      : formValues;
  const chosenConnection = connectionItems.find((c) => c.name === values.sourceConnection) ?? null;
  // Until the connections arrive there is no connection to send: Preview, Estimate and Create wait.
  const connectionsLoading = connections.isPending;
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const [attempt, setAttempt] = useState(0);
  /** Fields changed since the last attempt: their old errors no longer apply. */
  const [edited, setEdited] = useState<ReadonlySet<string>>(new Set());
  const formRef = useRef<HTMLFormElement>(null);
  // The browser's zone is the default; the server render cannot know it and says UTC.
  const defaultTimeZone = useSyncExternalStore(subscribeNever, browserTimeZone, () => "UTC");
  const hydrated = useHydrated();
  const preview = useSourcePreview<IngestionFormValues>();
  const estimate = useCostEstimate<IngestionFormValues>();

  const create = useMutation(
    trpc.ingestions.create.mutationOptions({
      onSuccess: async ({ destinationChange, ...ingestion }) => {
        queryClient.setQueryData(trpc.ingestions.get.queryKey({ id: ingestion.id }), ingestion);
        // What adopting an existing table did, shown once on the ingestion's page.
        if (destinationChange) setFlashMessage(destinationChange.message);
        await queryClient.invalidateQueries(trpc.ingestions.list.pathFilter());
        router.push(`/ingestions/${ingestion.id}`);
      },
    }),
  );

  const serverErrors: FieldErrors = create.error
    ? (create.error.data?.fieldErrors ?? { _form: [create.error.message] })
    : {};
  const { byField: attemptErrors, formLevel } = placeFieldErrors(
    Object.keys(clientErrors).length > 0 ? clientErrors : serverErrors,
    visibleFieldPaths(values),
  );
  const visible = visibleFieldPaths(values);
  // A Create attempt's errors first; then the preview's and the estimate's that still apply.
  const byField = mergeFieldErrors(
    Object.fromEntries(
      Object.entries(attemptErrors).filter(([path]) => {
        const key = formKeyOf(path);
        return !edited.has(path) && !(key && edited.has(FIELD_PATHS[key]));
      }),
    ),
    placeFieldErrors(currentCheckErrors(preview.errors, preview.snapshot, values), visible).byField,
    placeFieldErrors(currentCheckErrors(estimate.errors, estimate.snapshot, values), visible).byField,
  );

  // After a failed attempt, take the user to the first problem.
  useEffect(() => {
    if (attempt === 0) return;
    const form = formRef.current;
    const field = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (field) field.focus();
    else form?.querySelector('[role="alert"]')?.scrollIntoView({ block: "center" });
  }, [attempt, create.error]);

  function set<K extends keyof IngestionFormValues>(key: K, value: IngestionFormValues[K]) {
    setValues((v) => ({ ...v, [key]: value }));
    setEdited((paths) => (paths.has(FIELD_PATHS[key]) ? paths : new Set(paths).add(FIELD_PATHS[key])));
  }

  /** Binds a field to one form value: its input path, its errors, its value and its setter. */
  function bind<K extends keyof IngestionFormValues>(key: K): BoundField<IngestionFormValues[K]> {
    const path = FIELD_PATHS[key];
    return { path, errors: byField[path], value: values[key], onChange: (value) => set(key, value) };
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const draft = toCreateIngestionDraft(values, defaultTimeZone);
    const parsed = createIngestionInput.safeParse(draft);
    const hintErrors = duplicateHintErrors(values.hints);
    setAttempt((n) => n + 1);
    setEdited(new Set());
    if (!parsed.success || Object.keys(hintErrors).length > 0) {
      create.reset();
      setClientErrors(mergeFieldErrors(parsed.success ? {} : fieldErrorsFromZod(parsed.error), hintErrors));
      return;
    }
    setClientErrors({});
    create.mutate(draft);
  }

  function runPreview() {
    preview.run(toPreviewDraft(values), values, duplicateHintErrors(values.hints));
  }

  function runEstimate() {
    estimate.run({ draft: toCostDraft(values, defaultTimeZone) }, values);
  }

  const timezone = values.timezone ?? defaultTimeZone;
  const previewStale = preview.input !== null && !sameInput(preview.input, toPreviewDraft(values));
  const estimateInput = estimate.input;
  const estimateStale =
    estimateInput !== null && !sameInput(estimateInput, { draft: toCostDraft(values, defaultTimeZone) });
  const busy = create.isPending || create.isSuccess;
  const schedulePreview = describeSchedule({
    frequency: values.frequency,
    time: values.time,
    weekday: Number(values.weekday),
    cron: values.cron,
    timezone,
  });

  return (
    <form ref={formRef} className="form" onSubmit={submit} noValidate aria-label="New ingestion">
      <FormErrors messages={formLevel} />

      <fieldset>
        <legend>About</legend>
        <TextField {...bind("name")} label="Name" maxLength={100} />
        <FormField path="description" label="Description" hint="Optional." errors={byField["description"]}>
          {(p) => (
            <textarea
              {...p}
              rows={2}
              value={values.description}
              maxLength={500}
              onChange={(e) => set("description", e.target.value)}
            />
          )}
        </FormField>
      </fieldset>

      <fieldset>
        <legend>Source</legend>
        <div className="grid-2">
          <SelectField
            {...bind("sourceConnection")}
            label="Connection"
            hint={<ConnectionHint state={connections} count={connectionItems.length} />}
          >
            {connectionItems.length === 0 ? <option value="">No connections</option> : null}
            {connectionItems.map((c) => (
              <option key={c.id} value={c.name}>
                {c.name} — {c.type === "S3" ? "S3" : "local"}
              </option>
            ))}
          </SelectField>
          <TextField
            {...bind("sourcePath")}
            label="Path"
            hint={
              chosenConnection ? (
                <>
                  Optional. Reads <code data-testid="source-location">{locationOf(chosenConnection.uri, values.sourcePath)}</code>
                </>
              ) : (
                "Optional. A directory or prefix inside the connection, e.g. landing/orders."
              )
            }
            spellCheck={false}
            placeholder="landing"
          />
        </div>
        <TextField
          {...bind("glob")}
          label="Glob"
          hint="Optional. Which files under the source to load, e.g. **/*.json."
          spellCheck={false}
          placeholder="**/*.json"
        />
        <div className="grid-2">
          <SelectField
            {...bind("listingMode")}
            label="Listing"
            hint="Ordered: for keys that arrive in lexical order (date-partitioned paths); each run lists only the keys after the last one it saw, so listing costs follow the new files, not the size of the source."
          >
            <option value="FULL">FULL — list the whole source every run</option>
            <option value="ORDERED">ORDERED — list only after the last key seen</option>
          </SelectField>
          {values.listingMode === "ORDERED" ? (
            <TextField
              {...bind("fullListingEveryHours")}
              label="Full listing every (hours)"
              hint="A full listing this often catches files that land under an earlier key (a late partition)."
              type="number"
              min={1}
              step={1}
            />
          ) : null}
        </div>
      </fieldset>

      <fieldset>
        <legend>Format</legend>
        <SelectField {...bind("format")} label="Format">
          <option value="JSON">JSON</option>
          <option value="CSV">CSV</option>
          <option value="PARQUET">PARQUET</option>
        </SelectField>
        {values.format === "JSON" ? (
          <SelectField {...bind("jsonLayout")} label="JSON layout">
            {(Object.keys(JSON_LAYOUT_LABELS) as JsonLayout[]).map((layout) => (
              <option key={layout} value={layout}>
                {layout} — {JSON_LAYOUT_LABELS[layout]}
              </option>
            ))}
          </SelectField>
        ) : null}
        {values.format === "CSV" ? (
          <div className="subgroup">
            <p className="subgroup-title">CSV options</p>
            <div className="grid-3">
              <TextField {...bind("csvDelimiter")} label="Delimiter" className="short" placeholder="detect" />
              <TextField {...bind("csvQuote")} label="Quote" className="short" placeholder="detect" />
              <TextField {...bind("csvEscape")} label="Escape" className="short" placeholder="detect" />
            </div>
            <p className="hint">Leave delimiter, quote or escape empty to detect them in each file (type \t for a tab).</p>
            <CheckboxField {...bind("csvHeader")} label="Header" hint="The first line names the columns." />
            <TextField
              {...bind("csvNullString")}
              label="Null string"
              hint="Values equal to this are loaded as NULL. Empty means empty fields."
              className="medium"
            />
          </div>
        ) : null}
      </fieldset>

      <fieldset>
        <legend>Schema hints</legend>
        <SchemaHintsField rows={values.hints} onChange={(rows) => set("hints", rows)} errors={byField} />
      </fieldset>

      <fieldset>
        <legend>Preview</legend>
        <SourcePreview preview={preview} onPreview={runPreview} stale={previewStale} waiting={connectionsLoading} />
      </fieldset>

      <fieldset>
        <legend>Destination</legend>
        <div className="grid-2">
          <TextField {...bind("destinationSchema")} label="Destination schema" spellCheck={false} />
          <TextField {...bind("destinationTable")} label="Destination table" spellCheck={false} placeholder="events" />
        </div>
        <CheckboxField
          {...bind("adoptExistingTable")}
          label="Adopt the existing table"
          hint="Only for a table that already exists, e.g. kept when its ingestion was deleted: take it over, so the files it already holds are not loaded again."
        />
        <SelectField
          {...bind("evolutionMode")}
          label="Evolution mode"
          hint="What a run does when files bring columns the table does not have."
        >
          {EVOLUTION_MODES.map((mode) => (
            <option key={mode} value={mode}>
              {mode} — {EVOLUTION_LABELS[mode]}
            </option>
          ))}
        </SelectField>
      </fieldset>

      <fieldset>
        <legend>Schedule</legend>
        <SelectField {...bind("frequency")} label="Schedule" hint={schedulePreview}>
          {SCHEDULE_FREQUENCIES.map((f) => (
            <option key={f} value={f}>
              {FREQUENCY_LABELS[f]}
            </option>
          ))}
        </SelectField>
        <div className="grid-3">
          {values.frequency === "DAILY" || values.frequency === "WEEKLY" ? (
            <TextField
              {...bind("time")}
              label="Time"
              hint="HH:MM, 24-hour."
              inputMode="numeric"
              className="short"
              placeholder="14:30"
            />
          ) : null}
          {values.frequency === "WEEKLY" ? (
            <SelectField {...bind("weekday")} label="Weekday">
              {WEEKDAYS.map((day, index) => (
                <option key={day} value={String(index)}>
                  {day}
                </option>
              ))}
            </SelectField>
          ) : null}
          {values.frequency === "CUSTOM" ? (
            <TextField
              {...bind("cron")}
              label="Cron"
              hint="5 fields: minute hour day-of-month month day-of-week."
              spellCheck={false}
              placeholder="*/15 * * * *"
            />
          ) : null}
          {/* Until edited, the browser's own zone. */}
          <TextField
            {...bind("timezone")}
            value={timezone}
            label="Time zone"
            hint="An IANA name, e.g. Europe/Berlin."
            spellCheck={false}
            list="time-zones"
          />
        </div>
        {hydrated ? <TimeZoneOptions /> : null}
      </fieldset>

      <fieldset>
        <legend>Limits per run</legend>
        <div className="grid-2">
          <TextField {...bind("maxFilesPerRun")} label="Max files per run" hint="Optional." type="number" min={1} step={1} />
          <TextField {...bind("maxBytesPerRun")} label="Max bytes per run" hint="Optional." type="number" min={1} step={1} />
        </div>
      </fieldset>

      <fieldset>
        <legend>Cost estimate</legend>
        <CostEstimate estimate={estimate} onEstimate={runEstimate} stale={estimateStale} waiting={connectionsLoading} />
      </fieldset>

      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy || connectionsLoading}>
          Create ingestion
        </button>
        {busy ? <span className="muted">Creating…</span> : null}
      </div>
    </form>
  );
}

/** Under the connection select: where connections come from, or why there are none to pick. */
function ConnectionHint({ state, count }: { state: { isPending: boolean; error: { message: string } | null }; count: number }) {
  if (state.isPending) return <>Loading your connections…</>;
  if (state.error) return <>Could not load your connections: {state.error.message}</>;
  if (count === 0) {
    return (
      <>
        This tenant has no connections yet: <Link href="/connections">create one</Link> (admins) first.
      </>
    );
  }
  return (
    <>
      Storage this tenant may read; <Link href="/connections">manage connections</Link>.
    </>
  );
}

function TimeZoneOptions() {
  const [zones] = useState(() => {
    try {
      return ["UTC", ...Intl.supportedValuesOf("timeZone")];
    } catch {
      return ["UTC"];
    }
  });
  return (
    <datalist id="time-zones">
      {zones.map((zone) => (
        <option key={zone} value={zone} />
      ))}
    </datalist>
  );
}
