import { listAuditEvents } from "@/server/services/audit/list-audit-events";
import { listAuditEventsInput, listAuditEventsOutput } from "@/shared/contracts/audit";
import { adminProcedure, router } from "../trpc";

/** The tenant's audit log: who did what to what, and how it ended. Admins only. */
export const auditRouter = router({
  list: adminProcedure
    .input(listAuditEventsInput)
    .output(listAuditEventsOutput)
    .query(({ ctx, input }) => listAuditEvents(ctx.deps, ctx.auth.tenantId, input)),
});
