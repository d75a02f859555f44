"use client";
// Everything about one ingestion: its definition, schedule, limits, latest run, its runs and files.
import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { DateTime, formatInTimeZone } from "@/components/date-time";
import { FileHistory } from "@/components/files/file-history";
import { IngestionCostEstimate } from "@/components/ingestions/cost-estimate";
import { QueryError } from "@/components/query-error";
import { Property, PropertiesCard } from "@/components/properties";
import { IngestionRuns } from "@/components/runs/ingestion-runs";
import { IngestionStatusBadge, RunStatusBadge } from "@/components/status-badge";
import type { AppRouter } from "@/server/api/root";
import { formatBytes, formatCount, plural } from "@/shared/format";
import { useTRPC } from "@/trpc/react";
import { IngestionActions } from "./ingestion-actions";
import { LastRun } from "./last-run";

type Ingestion = inferRouterOutputs<AppRouter>["ingestions"]["get"];

export function IngestionDetails({ id }: { id: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.ingestions.get.queryOptions({ id }));
  if (query.isPending) return <p className="muted">Loading the ingestion…</p>;
  if (query.isError) return <QueryError error={query.error} what="the ingestion" />;
  const ingestion = query.data;
  return (
    <>
      <div className="page-header">
        <div>
          <div className="title-row">
            <h1>{ingestion.name}</h1>
            <IngestionStatusBadge status={ingestion.status} testId="ingestion-status" />
          </div>
          <LastRunSummary ingestion={ingestion} />
        </div>
        <IngestionActions ingestion={ingestion} />
      </div>
      {ingestion.description ? <p className="lead">{ingestion.description}</p> : null}
      <div className="cards">
        <SourceCard ingestion={ingestion} />
        <FormatCard format={ingestion.format} />
        <DestinationCard ingestion={ingestion} />
        <ScheduleCard ingestion={ingestion} />
        <LimitsCard limits={ingestion.limits} />
        <ActivityCard ingestion={ingestion} />
      </div>
      <IngestionRuns ingestionId={ingestion.id} />
      <FileHistory ingestion={ingestion} />
      <section className="runs-section" aria-labelledby="cost-title" data-testid="ingestion-cost">
        <h2 id="cost-title">Cost estimate</h2>
        <IngestionCostEstimate ingestionId={ingestion.id} />
      </section>
    </>
  );
}

/** The outcome and time of the ingestion's latest finished run, under its name. */
function LastRunSummary({ ingestion }: { ingestion: Ingestion }) {
  if (!ingestion.lastRunAt || !ingestion.lastRunStatus) return null;
  return (
    <p className="header-last-run">
      <span className="muted">Last run</span>{" "}
      <span data-testid="last-run-status">
        <RunStatusBadge status={ingestion.lastRunStatus} />
      </span>{" "}
      <DateTime value={ingestion.lastRunAt} />
    </p>
  );
}

const none = <span className="muted">—</span>;

function SourceCard({ ingestion }: { ingestion: Ingestion }) {
  const { source, listing } = ingestion;
  return (
    <PropertiesCard title="Source">
      <Property name="Location">
        <code className="wrap">{source.uri}</code> <span className="muted">({source.type === "S3" ? "S3" : "local directory"})</span>
      </Property>
      <Property name="Connection">
        <Link href="/connections">
          <code data-testid="source-connection">{source.connection.name}</code>
        </Link>{" "}
        <span className="muted">({source.connection.type === "S3" ? "S3" : "local"})</span>
      </Property>
      <Property name="Path">
        {source.path ? <code data-testid="source-path">{source.path}</code> : <span className="muted">The connection&apos;s root</span>}
      </Property>
      <Property name="Glob">{source.glob ? <code>{source.glob}</code> : <span className="muted">All files</span>}</Property>
      <Property name="Listing">
        {listing.mode === "ORDERED" ? (
          <>
            Ordered: after <code data-testid="listing-high-water">{listing.highWaterPath ?? "—"}</code>
            <span className="muted">
              {" "}
              (full listing every {plural(listing.fullListingEveryHours, "hour")}
              {listing.lastFullListingAt ? (
                <>
                  , last <DateTime value={listing.lastFullListingAt} />
                </>
              ) : (
                ", the next run lists everything"
              )}
              )
            </span>
          </>
        ) : (
          "Full: the whole source every run"
        )}
      </Property>
      {source.modifiedAfter ? (
        <Property name="Modified after">
          <DateTime value={source.modifiedAfter} />
        </Property>
      ) : null}
    </PropertiesCard>
  );
}

/** Shows a one-character option so that a tab or a space is visible. */
function Char({ value }: { value: string | null | undefined }) {
  if (value == null) return <span className="muted">Detected per file</span>;
  const names: Record<string, string> = { "\t": "tab", " ": "space" };
  return <code>{names[value] ?? value}</code>;
}

function FormatCard({ format }: { format: Ingestion["format"] }) {
  return (
    <PropertiesCard title="Format">
      <Property name="Format">{format.type}</Property>
      {format.type === "JSON" ? (
        <>
          <Property name="JSON layout">{format.options.layout}</Property>
          <Property name="Compression">{format.options.compression}</Property>
        </>
      ) : null}
      {format.type === "CSV" ? (
        <>
          <Property name="Delimiter">
            <Char value={format.options.delimiter} />
          </Property>
          <Property name="Header">{format.options.header ? "Yes" : "No"}</Property>
          <Property name="Quote">
            <Char value={format.options.quote} />
          </Property>
          <Property name="Escape">
            <Char value={format.options.escape} />
          </Property>
          <Property name="Null string">
            {format.options.nullString === "" ? <span className="muted">Empty field</span> : <code>{format.options.nullString}</code>}
          </Property>
          <Property name="Compression">{format.options.compression}</Property>
        </>
      ) : null}
    </PropertiesCard>
  );
}

function DestinationCard({ ingestion }: { ingestion: Ingestion }) {
  const { destination, schemaPolicy } = ingestion;
  const hints = Object.entries(schemaPolicy.hints);
  return (
    <PropertiesCard title="Destination">
      <Property name="Table">
        <code>
          {destination.schema}.{destination.table}
        </code>
      </Property>
      <Property name="Partition columns">
        {destination.partitionColumns.length > 0 ? destination.partitionColumns.join(", ") : none}
      </Property>
      <Property name="Evolution mode">{schemaPolicy.evolutionMode}</Property>
      <Property name="Schema hints">
        {hints.length > 0 ? (
          <ul className="plain">
            {hints.map(([column, type]) => (
              <li key={column}>
                <code>{column}</code> {type}
              </li>
            ))}
          </ul>
        ) : (
          <span className="muted">None: every column's type is inferred</span>
        )}
      </Property>
    </PropertiesCard>
  );
}

function ScheduleCard({ ingestion }: { ingestion: Ingestion }) {
  const { schedule } = ingestion;
  // Fire times in the ingestion's own zone, where "14:30" was meant, whatever the viewer's zone.
  const nextRuns =
    schedule.frequency === "NONE" ? (
      <span className="muted">Manual only</span>
    ) : ingestion.status === "PAUSED" ? (
      <span className="muted">Paused: no scheduled runs</span>
    ) : schedule.upcoming.length === 0 ? (
      none
    ) : (
      <ul className="plain" data-testid="upcoming-runs">
        {schedule.upcoming.map((at) => (
          <li key={at.toISOString()}>
            <time dateTime={at.toISOString()}>{formatInTimeZone(at, schedule.timezone, { weekday: true })}</time>
          </li>
        ))}
      </ul>
    );
  return (
    <PropertiesCard title="Schedule">
      <Property name="Schedule">{schedule.description}</Property>
      <Property name="Next runs">{nextRuns}</Property>
      <Property name="Time zone">{schedule.timezone}</Property>
    </PropertiesCard>
  );
}

/** A size with its exact byte count: "1.00 GiB (1,073,741,824 bytes)". */
function bytesWithExact(bytes: number): string {
  return bytes < 1024 ? formatBytes(bytes) : `${formatBytes(bytes)} (${formatCount(bytes)} bytes)`;
}

function LimitsCard({ limits }: { limits: Ingestion["limits"] }) {
  return (
    <PropertiesCard title="Limits per run">
      <Property name="Max files per run">
        {limits.maxFilesPerRun === null ? <span className="muted">No limit</span> : formatCount(limits.maxFilesPerRun)}
      </Property>
      <Property name="Max bytes per run">
        {limits.maxBytesPerRun === null ? <span className="muted">No limit</span> : bytesWithExact(limits.maxBytesPerRun)}
      </Property>
    </PropertiesCard>
  );
}

function ActivityCard({ ingestion }: { ingestion: Ingestion }) {
  return (
    <PropertiesCard title="Activity">
      <Property name="Last run">
        <LastRun at={ingestion.lastRunAt} status={ingestion.lastRunStatus} />
      </Property>
      <Property name="Created">
        <DateTime value={ingestion.createdAt} />
      </Property>
      <Property name="Updated">
        <DateTime value={ingestion.updatedAt} />
      </Property>
      <Property name="Id">
        <code>{ingestion.id}</code>
      </Property>
    </PropertiesCard>
  );
}
