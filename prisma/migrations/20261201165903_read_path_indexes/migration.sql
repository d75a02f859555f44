-- DropIndex
DROP INDEX "Ingestion_tenantId_status_idx";

-- CreateIndex
CREATE INDEX "Ingestion_tenantId_id_idx" ON "Ingestion"("tenantId", "id");

-- CreateIndex
CREATE INDEX "Ingestion_tenantId_status_id_idx" ON "Ingestion"("tenantId", "status", "id");

-- CreateIndex
CREATE INDEX "Run_ingestionId_id_idx" ON "Run"("ingestionId", "id");
