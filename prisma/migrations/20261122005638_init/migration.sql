-- CreateEnum
CREATE TYPE "IngestionStatus" AS ENUM ('ACTIVE', 'PAUSED');

-- CreateEnum
CREATE TYPE "SourceType" AS ENUM ('S3', 'LOCAL');

-- CreateEnum
CREATE TYPE "SourceFormat" AS ENUM ('JSON', 'CSV', 'PARQUET');

-- CreateEnum
CREATE TYPE "EvolutionMode" AS ENUM ('ADD_NEW_COLUMNS', 'RESCUE', 'FAIL_ON_NEW_COLUMNS', 'NONE');

-- CreateEnum
CREATE TYPE "ScheduleFrequency" AS ENUM ('HOURLY', 'DAILY', 'WEEKLY', 'CUSTOM');

-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'PARTIAL', 'NO_NEW_FILES', 'FAILED');

-- CreateEnum
CREATE TYPE "RunTrigger" AS ENUM ('MANUAL', 'SCHEDULE', 'RETRY', 'REFRESH');

-- CreateEnum
CREATE TYPE "RunMethod" AS ENUM ('DIRECT', 'INNGEST');

-- CreateEnum
CREATE TYPE "FileStatus" AS ENUM ('PENDING', 'PROCESSING', 'SUCCESS', 'FAILED', 'SKIPPED');

-- CreateTable
CREATE TABLE "Tenant" (
    "id" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Tenant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "isAdmin" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "apiKeyId" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Ingestion" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "status" "IngestionStatus" NOT NULL DEFAULT 'ACTIVE',
    "sourceType" "SourceType" NOT NULL,
    "sourceUri" TEXT NOT NULL,
    "sourceGlob" TEXT,
    "sourceModifiedAfter" TIMESTAMP(3),
    "sourceOptions" JSONB NOT NULL DEFAULT '{}',
    "format" "SourceFormat" NOT NULL,
    "formatOptions" JSONB NOT NULL DEFAULT '{}',
    "destinationSchema" TEXT NOT NULL,
    "destinationTable" TEXT NOT NULL,
    "partitionColumns" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "evolutionMode" "EvolutionMode" NOT NULL DEFAULT 'ADD_NEW_COLUMNS',
    "schemaHints" JSONB NOT NULL DEFAULT '{}',
    "scheduleFrequency" "ScheduleFrequency",
    "scheduleTime" TEXT,
    "scheduleWeekday" INTEGER,
    "scheduleCron" TEXT,
    "scheduleTimezone" TEXT NOT NULL DEFAULT 'UTC',
    "nextRunAt" TIMESTAMP(3),
    "maxFilesPerRun" INTEGER,
    "maxBytesPerRun" BIGINT,
    "alertRecipients" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "lastRunAt" TIMESTAMP(3),
    "lastRunStatus" "RunStatus",
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Ingestion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Run" (
    "id" TEXT NOT NULL,
    "ingestionId" TEXT NOT NULL,
    "activeIngestionId" TEXT,
    "status" "RunStatus" NOT NULL DEFAULT 'QUEUED',
    "trigger" "RunTrigger" NOT NULL,
    "method" "RunMethod" NOT NULL DEFAULT 'DIRECT',
    "eventId" TEXT,
    "retryOfRunId" TEXT,
    "currentStep" TEXT,
    "filesDiscovered" INTEGER NOT NULL DEFAULT 0,
    "filesLoaded" INTEGER NOT NULL DEFAULT 0,
    "filesFailed" INTEGER NOT NULL DEFAULT 0,
    "filesSkipped" INTEGER NOT NULL DEFAULT 0,
    "rowsLoaded" BIGINT NOT NULL DEFAULT 0,
    "bytesLoaded" BIGINT NOT NULL DEFAULT 0,
    "estimatedDurationMs" INTEGER,
    "estimatedBytes" BIGINT,
    "durationMs" INTEGER,
    "error" TEXT,
    "queuedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProcessedFile" (
    "id" TEXT NOT NULL,
    "ingestionId" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "etag" TEXT,
    "lastModified" TIMESTAMP(3) NOT NULL,
    "status" "FileStatus" NOT NULL DEFAULT 'PENDING',
    "rowCount" BIGINT,
    "retryCount" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "leaseExpiresAt" TIMESTAMP(3),
    "runId" TEXT,
    "loadedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProcessedFile_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SchemaVersion" (
    "id" TEXT NOT NULL,
    "ingestionId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "columns" JSONB NOT NULL,
    "diff" JSONB NOT NULL,
    "runId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SchemaVersion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Tenant_slug_key" ON "Tenant"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_hash_key" ON "ApiKey"("hash");

-- CreateIndex
CREATE INDEX "ApiKey_tenantId_createdAt_idx" ON "ApiKey"("tenantId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Session_tokenHash_key" ON "Session"("tokenHash");

-- CreateIndex
CREATE INDEX "Session_expiresAt_idx" ON "Session"("expiresAt");

-- CreateIndex
CREATE INDEX "Ingestion_tenantId_createdAt_id_idx" ON "Ingestion"("tenantId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Ingestion_tenantId_status_idx" ON "Ingestion"("tenantId", "status");

-- CreateIndex
CREATE INDEX "Ingestion_status_nextRunAt_idx" ON "Ingestion"("status", "nextRunAt");

-- CreateIndex
CREATE UNIQUE INDEX "Ingestion_tenantId_name_key" ON "Ingestion"("tenantId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Ingestion_tenantId_destinationSchema_destinationTable_key" ON "Ingestion"("tenantId", "destinationSchema", "destinationTable");

-- CreateIndex
CREATE UNIQUE INDEX "Run_activeIngestionId_key" ON "Run"("activeIngestionId");

-- CreateIndex
CREATE INDEX "Run_ingestionId_createdAt_id_idx" ON "Run"("ingestionId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Run_status_updatedAt_idx" ON "Run"("status", "updatedAt");

-- CreateIndex
CREATE INDEX "ProcessedFile_ingestionId_status_lastModified_idx" ON "ProcessedFile"("ingestionId", "status", "lastModified");

-- CreateIndex
CREATE INDEX "ProcessedFile_runId_idx" ON "ProcessedFile"("runId");

-- CreateIndex
CREATE UNIQUE INDEX "ProcessedFile_ingestionId_path_key" ON "ProcessedFile"("ingestionId", "path");

-- CreateIndex
CREATE UNIQUE INDEX "SchemaVersion_ingestionId_version_key" ON "SchemaVersion"("ingestionId", "version");

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Ingestion" ADD CONSTRAINT "Ingestion_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_ingestionId_fkey" FOREIGN KEY ("ingestionId") REFERENCES "Ingestion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_retryOfRunId_fkey" FOREIGN KEY ("retryOfRunId") REFERENCES "Run"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProcessedFile" ADD CONSTRAINT "ProcessedFile_ingestionId_fkey" FOREIGN KEY ("ingestionId") REFERENCES "Ingestion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProcessedFile" ADD CONSTRAINT "ProcessedFile_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SchemaVersion" ADD CONSTRAINT "SchemaVersion_ingestionId_fkey" FOREIGN KEY ("ingestionId") REFERENCES "Ingestion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SchemaVersion" ADD CONSTRAINT "SchemaVersion_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE SET NULL ON UPDATE CASCADE;
