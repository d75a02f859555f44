-- CreateTable
CREATE TABLE "FileAttempt" (
    "id" TEXT NOT NULL,
    "fileId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "outcome" "FileStatus" NOT NULL,
    "rowCount" BIGINT,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FileAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "FileAttempt_fileId_createdAt_idx" ON "FileAttempt"("fileId", "createdAt");

-- CreateIndex
CREATE INDEX "FileAttempt_runId_outcome_idx" ON "FileAttempt"("runId", "outcome");

-- AddForeignKey
ALTER TABLE "FileAttempt" ADD CONSTRAINT "FileAttempt_fileId_fkey" FOREIGN KEY ("fileId") REFERENCES "ProcessedFile"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FileAttempt" ADD CONSTRAINT "FileAttempt_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
