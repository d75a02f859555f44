// When an ingestion last ran and how that run ended, for its row in the list and its page.
import { DateTime } from "@/components/date-time";
import { RunStatusBadge, type RunStatusName } from "@/components/status-badge";

export function LastRun({ at, status }: { at: Date | null; status: RunStatusName | null }) {
  if (!at) return <span className="muted">Never</span>;
  return (
    <span className="cell-stack">
      <DateTime value={at} />
      {status ? <RunStatusBadge status={status} /> : null}
    </span>
  );
}
