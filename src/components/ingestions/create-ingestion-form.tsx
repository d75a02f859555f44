"use client";
// The new-ingestion form. It validates with the API's own schema before sending, and shows the
// client's and the server's errors in the same places: beside the field they are about.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, useSyncExternalStore, type FormEvent } from "react";
import { browserTimeZone, useHydrated } from "@/components/date-time";
import { fieldErrorsFromZod, placeFieldErrors, type FieldErrors } from "@/components/forms/field-errors";
import { FormErrors, FormField } from "@/components/forms/form-field";
import { createIngestionInput, EVOLUTION_MODES } from "@/server/domain/ingestion-input";
import { describeSchedule, SCHEDULE_FREQUENCIES, WEEKDAYS } from "@/server/domain/schedule";
import { useTRPC } from "@/trpc/react";
import {
  FIELD_PATHS,
  INITIAL_INGESTION_FORM,
  isS3Source,
  toCreateIngestionDraft,
  visibleFieldPaths,
  type EvolutionMode,
  type FormatType,
  type IngestionFormValues,
  type JsonLayout,
} from "./ingestion-form-values";

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

export function CreateIngestionForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [values, setValues] = useState<IngestionFormValues>(INITIAL_INGESTION_FORM);
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const [attempt, setAttempt] = useState(0);
  /** Fields changed since the last attempt: their old errors no longer apply. */
  const [edited, setEdited] = useState<ReadonlySet<string>>(new Set());
  const formRef = useRef<HTMLFormElement>(null);
  // The browser's zone is the default; the server render cannot know it and says UTC.
  const defaultTimeZone = useSyncExternalStore(subscribeNever, browserTimeZone, () => "UTC");
  const hydrated = useHydrated();

  const create = useMutation(
    trpc.ingestions.create.mutationOptions({
      onSuccess: async (ingestion) => {
        queryClient.setQueryData(trpc.ingestions.get.queryKey({ id: ingestion.id }), ingestion);
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
  const byField = Object.fromEntries(Object.entries(attemptErrors).filter(([path]) => !edited.has(path)));

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

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const draft = toCreateIngestionDraft(values, defaultTimeZone);
    const parsed = createIngestionInput.safeParse(draft);
    setAttempt((n) => n + 1);
    setEdited(new Set());
    if (!parsed.success) {
      create.reset();
      setClientErrors(fieldErrorsFromZod(parsed.error));
      return;
    }
    setClientErrors({});
    create.mutate(draft);
  }

  const s3 = isS3Source(values.sourceUri);
  const timezone = values.timezone ?? defaultTimeZone;
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
        <FormField path="name" label="Name" errors={byField["name"]}>
          {(p) => (
            <input {...p} type="text" value={values.name} maxLength={100} onChange={(e) => set("name", e.target.value)} />
          )}
        </FormField>
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
        <FormField
          path="source.uri"
          label="Source"
          hint="An S3 prefix, or a local directory under the server's allowed roots."
          errors={byField["source.uri"]}
        >
          {(p) => (
            <input
              {...p}
              type="text"
              spellCheck={false}
              placeholder="s3://bucket/prefix or /data/landing"
              value={values.sourceUri}
              onChange={(e) => set("sourceUri", e.target.value)}
            />
          )}
        </FormField>
        <FormField
          path="source.glob"
          label="Glob"
          hint="Optional. Which files under the source to load, e.g. **/*.json."
          errors={byField["source.glob"]}
        >
          {(p) => (
            <input
              {...p}
              type="text"
              spellCheck={false}
              placeholder="**/*.json"
              value={values.glob}
              onChange={(e) => set("glob", e.target.value)}
            />
          )}
        </FormField>
        {s3 ? (
          <div className="subgroup">
            <p className="subgroup-title">S3 options</p>
            <div className="grid-2">
              <FormField path="source.s3.region" label="Region" hint="Optional, e.g. us-east-1." errors={byField["source.s3.region"]}>
                {(p) => (
                  <input {...p} type="text" spellCheck={false} value={values.s3Region} onChange={(e) => set("s3Region", e.target.value)} />
                )}
              </FormField>
              <FormField
                path="source.s3.endpoint"
                label="Endpoint"
                hint="Optional, for S3-compatible stores."
                errors={byField["source.s3.endpoint"]}
              >
                {(p) => (
                  <input
                    {...p}
                    type="url"
                    spellCheck={false}
                    placeholder="https://s3.example.com"
                    value={values.s3Endpoint}
                    onChange={(e) => set("s3Endpoint", e.target.value)}
                  />
                )}
              </FormField>
            </div>
            <FormField path="source.s3.forcePathStyle" label="Force path style" inline errors={byField["source.s3.forcePathStyle"]}>
              {(p) => (
                <input
                  {...p}
                  type="checkbox"
                  checked={values.s3ForcePathStyle}
                  onChange={(e) => set("s3ForcePathStyle", e.target.checked)}
                />
              )}
            </FormField>
            <FormField
              path="source.s3.credentialsRef"
              label="Credentials reference"
              hint={
                <>
                  Optional. A name such as <code>ANALYTICS</code>: the server reads{" "}
                  <code>AUTOLOADER_S3_ANALYTICS_ACCESS_KEY_ID</code> and <code>…_SECRET_ACCESS_KEY</code>. Leave empty for
                  the server&apos;s default credentials.
                </>
              }
              errors={byField["source.s3.credentialsRef"]}
            >
              {(p) => (
                <input
                  {...p}
                  type="text"
                  spellCheck={false}
                  value={values.s3CredentialsRef}
                  onChange={(e) => set("s3CredentialsRef", e.target.value)}
                />
              )}
            </FormField>
          </div>
        ) : null}
      </fieldset>

      <fieldset>
        <legend>Format</legend>
        <FormField path="format.type" label="Format" errors={byField["format.type"]}>
          {(p) => (
            <select {...p} value={values.format} onChange={(e) => set("format", e.target.value as FormatType)}>
              <option value="JSON">JSON</option>
              <option value="CSV">CSV</option>
              <option value="PARQUET">PARQUET</option>
            </select>
          )}
        </FormField>
        {values.format === "JSON" ? (
          <FormField path="format.options.layout" label="JSON layout" errors={byField["format.options.layout"]}>
            {(p) => (
              <select {...p} value={values.jsonLayout} onChange={(e) => set("jsonLayout", e.target.value as JsonLayout)}>
                {(Object.keys(JSON_LAYOUT_LABELS) as JsonLayout[]).map((layout) => (
                  <option key={layout} value={layout}>
                    {layout} — {JSON_LAYOUT_LABELS[layout]}
                  </option>
                ))}
              </select>
            )}
          </FormField>
        ) : null}
        {values.format === "CSV" ? (
          <div className="subgroup">
            <p className="subgroup-title">CSV options</p>
            <div className="grid-3">
              <FormField path="format.options.delimiter" label="Delimiter" errors={byField["format.options.delimiter"]}>
                {(p) => (
                  <input {...p} type="text" className="short" value={values.csvDelimiter} onChange={(e) => set("csvDelimiter", e.target.value)} />
                )}
              </FormField>
              <FormField path="format.options.quote" label="Quote" errors={byField["format.options.quote"]}>
                {(p) => (
                  <input {...p} type="text" className="short" value={values.csvQuote} onChange={(e) => set("csvQuote", e.target.value)} />
                )}
              </FormField>
              <FormField path="format.options.escape" label="Escape" errors={byField["format.options.escape"]}>
                {(p) => (
                  <input {...p} type="text" className="short" value={values.csvEscape} onChange={(e) => set("csvEscape", e.target.value)} />
                )}
              </FormField>
            </div>
            <FormField path="format.options.header" label="Header" hint="The first line names the columns." inline errors={byField["format.options.header"]}>
              {(p) => (
                <input {...p} type="checkbox" checked={values.csvHeader} onChange={(e) => set("csvHeader", e.target.checked)} />
              )}
            </FormField>
            <FormField
              path="format.options.nullString"
              label="Null string"
              hint="Values equal to this are loaded as NULL. Empty means empty fields."
              errors={byField["format.options.nullString"]}
            >
              {(p) => (
                <input {...p} type="text" className="medium" value={values.csvNullString} onChange={(e) => set("csvNullString", e.target.value)} />
              )}
            </FormField>
          </div>
        ) : null}
      </fieldset>

      <fieldset>
        <legend>Destination</legend>
        <div className="grid-2">
          <FormField path="destination.schema" label="Destination schema" errors={byField["destination.schema"]}>
            {(p) => (
              <input
                {...p}
                type="text"
                spellCheck={false}
                value={values.destinationSchema}
                onChange={(e) => set("destinationSchema", e.target.value)}
              />
            )}
          </FormField>
          <FormField path="destination.table" label="Destination table" errors={byField["destination.table"]}>
            {(p) => (
              <input
                {...p}
                type="text"
                spellCheck={false}
                placeholder="events"
                value={values.destinationTable}
                onChange={(e) => set("destinationTable", e.target.value)}
              />
            )}
          </FormField>
        </div>
        <FormField
          path="schemaPolicy.evolutionMode"
          label="Evolution mode"
          hint="What a run does when files bring columns the table does not have."
          errors={byField["schemaPolicy.evolutionMode"]}
        >
          {(p) => (
            <select {...p} value={values.evolutionMode} onChange={(e) => set("evolutionMode", e.target.value as EvolutionMode)}>
              {EVOLUTION_MODES.map((mode) => (
                <option key={mode} value={mode}>
                  {mode} — {EVOLUTION_LABELS[mode]}
                </option>
              ))}
            </select>
          )}
        </FormField>
      </fieldset>

      <fieldset>
        <legend>Schedule</legend>
        <FormField path="schedule.frequency" label="Schedule" hint={schedulePreview} errors={byField["schedule.frequency"]}>
          {(p) => (
            <select
              {...p}
              value={values.frequency}
              onChange={(e) => set("frequency", e.target.value as IngestionFormValues["frequency"])}
            >
              {SCHEDULE_FREQUENCIES.map((f) => (
                <option key={f} value={f}>
                  {FREQUENCY_LABELS[f]}
                </option>
              ))}
            </select>
          )}
        </FormField>
        <div className="grid-3">
          {values.frequency === "DAILY" || values.frequency === "WEEKLY" ? (
            <FormField path="schedule.time" label="Time" hint="HH:MM, 24-hour." errors={byField["schedule.time"]}>
              {(p) => (
                <input
                  {...p}
                  type="text"
                  inputMode="numeric"
                  className="short"
                  placeholder="14:30"
                  value={values.time}
                  onChange={(e) => set("time", e.target.value)}
                />
              )}
            </FormField>
          ) : null}
          {values.frequency === "WEEKLY" ? (
            <FormField path="schedule.weekday" label="Weekday" errors={byField["schedule.weekday"]}>
              {(p) => (
                <select {...p} value={values.weekday} onChange={(e) => set("weekday", e.target.value)}>
                  {WEEKDAYS.map((day, index) => (
                    <option key={day} value={String(index)}>
                      {day}
                    </option>
                  ))}
                </select>
              )}
            </FormField>
          ) : null}
          {values.frequency === "CUSTOM" ? (
            <FormField
              path="schedule.cron"
              label="Cron"
              hint="5 fields: minute hour day-of-month month day-of-week."
              errors={byField["schedule.cron"]}
            >
              {(p) => (
                <input
                  {...p}
                  type="text"
                  spellCheck={false}
                  placeholder="*/15 * * * *"
                  value={values.cron}
                  onChange={(e) => set("cron", e.target.value)}
                />
              )}
            </FormField>
          ) : null}
          <FormField path="schedule.timezone" label="Time zone" hint="An IANA name, e.g. Europe/Berlin." errors={byField["schedule.timezone"]}>
            {(p) => (
              <input
                {...p}
                type="text"
                spellCheck={false}
                list="time-zones"
                value={timezone}
                onChange={(e) => set("timezone", e.target.value)}
              />
            )}
          </FormField>
        </div>
        {hydrated ? <TimeZoneOptions /> : null}
      </fieldset>

      <fieldset>
        <legend>Limits per run</legend>
        <div className="grid-2">
          <FormField path="limits.maxFilesPerRun" label="Max files per run" hint="Optional." errors={byField["limits.maxFilesPerRun"]}>
            {(p) => (
              <input
                {...p}
                type="number"
                min={1}
                step={1}
                value={values.maxFilesPerRun}
                onChange={(e) => set("maxFilesPerRun", e.target.value)}
              />
            )}
          </FormField>
          <FormField path="limits.maxBytesPerRun" label="Max bytes per run" hint="Optional." errors={byField["limits.maxBytesPerRun"]}>
            {(p) => (
              <input
                {...p}
                type="number"
                min={1}
                step={1}
                value={values.maxBytesPerRun}
                onChange={(e) => set("maxBytesPerRun", e.target.value)}
              />
            )}
          </FormField>
        </div>
      </fieldset>

      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          Create ingestion
        </button>
        {busy ? <span className="muted">Creating…</span> : null}
      </div>
    </form>
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
