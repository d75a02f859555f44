-- CreateEnum
CREATE TYPE "Role" AS ENUM ('ADMIN', 'EDITOR', 'VIEWER');

-- CreateEnum
CREATE TYPE "CredentialsKind" AS ENUM ('KEYS', 'AMBIENT', 'ENV_REF', 'NONE');

-- CreateEnum
CREATE TYPE "AuditOutcome" AS ENUM ('SUCCESS', 'FAILURE');

-- AlterEnum
ALTER TYPE "RunStatus" ADD VALUE 'CANCELLED';

-- AlterTable: admin keys become ADMIN, the others EDITOR (what a non-admin key could do before).
ALTER TABLE "ApiKey" ADD COLUMN     "expiresAt" TIMESTAMP(3),
ADD COLUMN     "role" "Role" NOT NULL DEFAULT 'EDITOR';
UPDATE "ApiKey" SET "role" = 'ADMIN' WHERE "isAdmin";
ALTER TABLE "ApiKey" DROP COLUMN "isAdmin";

-- AlterTable
ALTER TABLE "Ingestion" ADD COLUMN     "connectionId" TEXT,
ADD COLUMN     "sourcePath" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "cancelRequestedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "Connection" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "type" "SourceType" NOT NULL,
    "localPath" TEXT,
    "bucket" TEXT,
    "prefix" TEXT NOT NULL DEFAULT '',
    "region" TEXT,
    "endpoint" TEXT,
    "forcePathStyle" BOOLEAN NOT NULL DEFAULT false,
    "credentialsKind" "CredentialsKind",
    "credentialsRef" TEXT,
    "secretCiphertext" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Connection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorKind" TEXT NOT NULL,
    "apiKeyId" TEXT,
    "actorName" TEXT NOT NULL,
    "actorRole" "Role" NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT,
    "targetId" TEXT,
    "targetName" TEXT,
    "outcome" "AuditOutcome" NOT NULL,
    "error" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Connection_tenantId_createdAt_id_idx" ON "Connection"("tenantId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Connection_tenantId_name_key" ON "Connection"("tenantId", "name");

-- CreateIndex
CREATE INDEX "AuditEvent_tenantId_at_id_idx" ON "AuditEvent"("tenantId", "at", "id");

-- CreateIndex
CREATE INDEX "Ingestion_connectionId_idx" ON "Ingestion"("connectionId");

-- CreateIndex
CREATE INDEX "Run_status_queuedAt_id_idx" ON "Run"("status", "queuedAt", "id");

-- AddForeignKey
ALTER TABLE "Connection" ADD CONSTRAINT "Connection_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Ingestion" ADD CONSTRAINT "Ingestion_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
