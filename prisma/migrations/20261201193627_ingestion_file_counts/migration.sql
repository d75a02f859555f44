-- CreateTable
CREATE TABLE "IngestionFileCount" (
    "ingestionId" TEXT NOT NULL,
    "status" "FileStatus" NOT NULL,
    "files" BIGINT NOT NULL,

    CONSTRAINT "IngestionFileCount_pkey" PRIMARY KEY ("ingestionId","status")
);

-- AddForeignKey
ALTER TABLE "IngestionFileCount" ADD CONSTRAINT "IngestionFileCount_ingestionId_fkey" FOREIGN KEY ("ingestionId") REFERENCES "Ingestion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Written by hand (Prisma does not model triggers). The counts follow every write to
-- "ProcessedFile" in the statement that made it, so they are exact in every transaction that can
-- see the files. Statement-level triggers with transition tables: a batch that marks 5,000 files
-- costs one aggregate and one upsert per statement, not one per row. Rows are upserted in key
-- order, so two statements that touch the same ingestion's counts lock them in the same order.
CREATE FUNCTION "ingestion_file_counts_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "IngestionFileCount" ("ingestionId", status, files)
  SELECT "ingestionId", status, count(*) FROM new_files GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT ("ingestionId", status) DO UPDATE SET files = "IngestionFileCount".files + EXCLUDED.files;
  RETURN NULL;
END $$;

-- An UPDATE's old and new rows are the same files, so the change per (ingestion, status) is the
-- new rows' count minus the old rows' count: two aggregates, no join of the transition tables
-- (which have no statistics, and whose cached plan from a run of a few files was a nested loop:
-- a claim of 5,000 files took 5 s).
CREATE FUNCTION "ingestion_file_counts_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "IngestionFileCount" ("ingestionId", status, files)
  SELECT k, s, sum(d) FROM (
    SELECT "ingestionId" AS k, status AS s, 1 AS d FROM new_files
    UNION ALL
    SELECT "ingestionId", status, -1 FROM old_files
  ) AS moved
  GROUP BY k, s HAVING sum(d) <> 0 ORDER BY k, s
  ON CONFLICT ("ingestionId", status) DO UPDATE SET files = "IngestionFileCount".files + EXCLUDED.files;
  RETURN NULL;
END $$;

-- Only existing counts are lowered: when a whole ingestion is deleted, its counts go with it by
-- the cascade, and a delete must not insert counts for an ingestion that is going away.
CREATE FUNCTION "ingestion_file_counts_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "IngestionFileCount" AS c SET files = c.files - gone.n
  FROM (SELECT "ingestionId" AS k, status AS s, count(*) AS n FROM old_files GROUP BY 1, 2 ORDER BY 1, 2) AS gone
  WHERE c."ingestionId" = gone.k AND c.status = gone.s;
  RETURN NULL;
END $$;

CREATE TRIGGER "ProcessedFile_counts_insert" AFTER INSERT ON "ProcessedFile"
  REFERENCING NEW TABLE AS new_files FOR EACH STATEMENT EXECUTE FUNCTION "ingestion_file_counts_insert"();
CREATE TRIGGER "ProcessedFile_counts_update" AFTER UPDATE ON "ProcessedFile"
  REFERENCING OLD TABLE AS old_files NEW TABLE AS new_files FOR EACH STATEMENT EXECUTE FUNCTION "ingestion_file_counts_update"();
CREATE TRIGGER "ProcessedFile_counts_delete" AFTER DELETE ON "ProcessedFile"
  REFERENCING OLD TABLE AS old_files FOR EACH STATEMENT EXECUTE FUNCTION "ingestion_file_counts_delete"();

-- The files already there.
INSERT INTO "IngestionFileCount" ("ingestionId", status, files)
SELECT "ingestionId", status, count(*) FROM "ProcessedFile" GROUP BY 1, 2;
