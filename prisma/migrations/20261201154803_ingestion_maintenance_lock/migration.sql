-- AlterTable
ALTER TABLE "Ingestion" ADD COLUMN     "maintenanceBeatAt" TIMESTAMP(3),
ADD COLUMN     "maintenanceOperation" TEXT,
ADD COLUMN     "maintenanceToken" TEXT;
