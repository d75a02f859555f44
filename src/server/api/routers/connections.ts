// Storage connections: what a tenant reads through, within what the operator granted it.
import { createConnection } from "@/server/services/connections/create-connection";
import { deleteConnection } from "@/server/services/connections/delete-connection";
import { getConnection, listConnections } from "@/server/services/connections/list-connections";
import { testConnection } from "@/server/services/connections/test-connection";
import { updateConnection } from "@/server/services/connections/update-connection";
import {
  connectionRef,
  connectionTestView,
  connectionView,
  createConnectionInput,
  deleteConnectionOutput,
  listConnectionsInput,
  listConnectionsOutput,
  testConnectionInput,
  updateConnectionInput,
} from "@/shared/contracts/connections";
import { adminProcedure, editorProcedure, router, viewerProcedure } from "../trpc";

export const connectionsRouter = router({
  list: viewerProcedure
    .input(listConnectionsInput)
    .output(listConnectionsOutput)
    .query(({ ctx, input }) => listConnections(ctx.deps, ctx.auth.tenantId, input)),
  get: viewerProcedure
    .input(connectionRef)
    .output(connectionView)
    .query(({ ctx, input }) => getConnection(ctx.deps, ctx.auth.tenantId, input.name)),
  create: adminProcedure
    .meta({ audit: { action: "connection.create", target: "connection" } })
    .input(createConnectionInput)
    .output(connectionView)
    .mutation(({ ctx, input }) => createConnection(ctx.deps, ctx.auth.tenantId, input)),
  update: adminProcedure
    .meta({ audit: { action: "connection.update", target: "connection" } })
    .input(updateConnectionInput)
    .output(connectionView)
    .mutation(({ ctx, input }) => updateConnection(ctx.deps, ctx.auth.tenantId, input)),
  delete: adminProcedure
    .meta({ audit: { action: "connection.delete", target: "connection" } })
    .input(connectionRef)
    .output(deleteConnectionOutput)
    .mutation(({ ctx, input }) => deleteConnection(ctx.deps, ctx.auth.tenantId, input.name)),
  test: editorProcedure
    .meta({ audit: { action: "connection.test", target: "connection" } })
    .input(testConnectionInput)
    .output(connectionTestView)
    .mutation(({ ctx, input }) => testConnection(ctx.deps, ctx.auth.tenantId, input)),
});
