-- CreateEnum
CREATE TYPE "FailureKind" AS ENUM ('TRANSIENT', 'DATA');

-- AlterEnum
ALTER TYPE "FileStatus" ADD VALUE 'MISSING';

-- AlterTable
ALTER TABLE "ProcessedFile" ADD COLUMN     "failureKind" "FailureKind",
ADD COLUMN     "nextAttemptAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "warnings" JSONB NOT NULL DEFAULT '[]';

-- AlterTable
ALTER TABLE "SchemaVersion" ADD COLUMN     "warnings" JSONB NOT NULL DEFAULT '[]';
