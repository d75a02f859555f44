"use client";
// The tenant's audit log: filters (action, target id, outcome), the events newest first, Load more.
import { useInfiniteQuery } from "@tanstack/react-query";
import { usePathname, useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { DateTime } from "@/components/date-time";
import { LoadMore } from "@/components/load-more";
import { QueryError } from "@/components/query-error";
import { Badge } from "@/components/status-badge";
import { useTRPC } from "@/trpc/react";
import { auditListQuery, type AuditFilters } from "./audit-list-query";

const ACTIONS = [
  "ingestion",
  "ingestion.create",
  "ingestion.update",
  "ingestion.pause",
  "ingestion.resume",
  "ingestion.refresh",
  "ingestion.delete",
  "run",
  "run.trigger",
  "run.retry",
  "run.cancel",
  "file",
  "file.reprocess",
  "file.clear",
  "key",
  "key.create",
  "key.revoke",
  "connection",
  "connection.create",
  "connection.update",
  "connection.delete",
  "connection.test",
  "auth",
  "auth.signIn",
  "auth.signOut",
];

const ACTOR_KINDS = { "api-key": "API key", session: "dashboard", cli: "CLI" } as const;

export function AuditLog({ initialFilters }: { initialFilters: AuditFilters }) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const [filters, setFilters] = useState<AuditFilters>(initialFilters);
  const [draft, setDraft] = useState({
    action: initialFilters.action ?? "",
    target: initialFilters.targetId ?? "",
    outcome: initialFilters.outcome ?? "",
  });
  const events = useInfiniteQuery(auditListQuery(trpc, filters));

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const next: AuditFilters = {
      ...(draft.action ? { action: draft.action } : {}),
      ...(draft.target.trim() ? { targetId: draft.target.trim() } : {}),
      ...(draft.outcome === "SUCCESS" || draft.outcome === "FAILURE" ? { outcome: draft.outcome } : {}),
    };
    setFilters(next);
    const params = new URLSearchParams();
    if (next.action) params.set("action", next.action);
    if (next.targetId) params.set("target", next.targetId);
    if (next.outcome) params.set("outcome", next.outcome);
    const query = params.toString();
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  }

  const items = events.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Boolean(filters.action || filters.targetId || filters.outcome);

  return (
    <>
      <form className="filters" role="search" onSubmit={apply} aria-label="Filter the audit log">
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <select id="audit-action" value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })}>
            <option value="">Any</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a.includes(".") ? a : `${a}.*`}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-grow">
          <label htmlFor="audit-target">Target id</label>
          <input
            id="audit-target"
            type="search"
            value={draft.target}
            maxLength={64}
            onChange={(e) => setDraft({ ...draft, target: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="audit-outcome">Outcome</label>
          <select id="audit-outcome" value={draft.outcome} onChange={(e) => setDraft({ ...draft, outcome: e.target.value })}>
            <option value="">Any</option>
            <option value="SUCCESS">Success</option>
            <option value="FAILURE">Failure</option>
          </select>
        </div>
        <button type="submit" className="button">
          Apply
        </button>
      </form>
      {events.isPending ? (
        <p className="muted">Loading the audit log…</p>
      ) : events.isError ? (
        <QueryError error={events.error} what="the audit log" />
      ) : items.length === 0 ? (
        <div className="empty" data-testid="audit-empty">
          <p>{filtered ? "No events match these filters." : "Nothing has been recorded yet."}</p>
          <p className="hint">Changes to ingestions, runs, files, keys and connections, and sign-ins, appear here.</p>
        </div>
      ) : (
        <>
          <div className="table-wrap">
            <table data-testid="audit-events">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col">Outcome</th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => (
                  <tr key={e.id}>
                    <td>
                      <DateTime value={e.at} />
                    </td>
                    <td>
                      {e.actor.name} <span className="muted">({e.actor.role.toLowerCase()}, {ACTOR_KINDS[e.actor.kind]})</span>
                    </td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td>
                      {e.target ? (
                        <>
                          {e.target.name ?? <span className="muted">—</span>}{" "}
                          {e.target.id ? <code className="muted">{e.target.id}</code> : null}
                        </>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td>
                      {e.outcome === "SUCCESS" ? (
                        <Badge tone="green">success</Badge>
                      ) : (
                        <>
                          <Badge tone="red">failure</Badge> <span className="hint">{e.error}</span>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <LoadMore pages={events} />
        </>
      )}
    </>
  );
}
