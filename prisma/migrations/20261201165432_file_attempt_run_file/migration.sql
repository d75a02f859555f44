-- CreateIndex
CREATE INDEX "FileAttempt_runId_fileId_idx" ON "FileAttempt"("runId", "fileId");
