-- AlterTable
ALTER TABLE "Ingestion" ADD COLUMN     "maintenanceBeatAt" TIMESTAMP(3),
ADD COLUMN     "maintenanceOperation" TEXT,
ADD COLUMN     "maintenanceToken" TEXT;

-- Maintenance used to hold an ingestion with a fake QUEUED run (currentStep 'maintenance: …').
-- Nothing treats such a row as a guard any more, so one left by a process that died mid-refresh
-- would show, and end, as a run: remove them (the lock columns above start empty, i.e. free).
DELETE FROM "Run" WHERE "status" = 'QUEUED' AND "currentStep" LIKE 'maintenance: %';
