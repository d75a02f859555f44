-- Every existing ingestion reads through a connection of its tenant (issue 10).
-- Local directories: one connection per distinct directory of a tenant, "local-1", "local-2", …
INSERT INTO "Connection" ("id", "tenantId", "name", "description", "type", "localPath", "createdAt", "updatedAt")
SELECT gen_random_uuid()::text, d."tenantId", 'local-' || d.n, 'Created at upgrade for ' || d."sourceUri", 'LOCAL', d."sourceUri",
       CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
  FROM (SELECT "tenantId", "sourceUri", row_number() OVER (PARTITION BY "tenantId" ORDER BY "sourceUri") AS n
          FROM (SELECT DISTINCT "tenantId", "sourceUri" FROM "Ingestion" WHERE "sourceType" = 'LOCAL') AS x) AS d;

UPDATE "Ingestion" AS i SET "connectionId" = c."id", "sourcePath" = ''
  FROM "Connection" AS c
 WHERE i."sourceType" = 'LOCAL' AND c."tenantId" = i."tenantId" AND c."type" = 'LOCAL' AND c."localPath" = i."sourceUri";

-- S3: one connection per bucket and settings (endpoint, region, path style, credentials reference);
-- the ingestion's prefix becomes its path inside the connection. No reference was the server's own
-- AWS_* credentials: AMBIENT (which the operator must grant; never sent to a custom endpoint).
-- Names "s3-<bucket>", then "s3-<bucket>_2", … ('_' never occurs in a bucket name). A connection
-- name has at most 63 characters: a bucket longer than 56 is cut to 47 plus 8 hex of its md5.
CREATE TEMPORARY TABLE "_s3_source" ON COMMIT DROP AS
SELECT i."id", i."tenantId",
       split_part(substr(i."sourceUri", 6), '/', 1) AS "bucket",
       rtrim(substr(substr(i."sourceUri", 6), length(split_part(substr(i."sourceUri", 6), '/', 1)) + 2), '/') AS "path",
       NULLIF(i."sourceOptions"->>'endpoint', '') AS "endpoint",
       NULLIF(i."sourceOptions"->>'region', '') AS "region",
       COALESCE((i."sourceOptions"->>'forcePathStyle')::boolean, false) AS "forcePathStyle",
       NULLIF(i."sourceOptions"->>'credentialsRef', '') AS "credentialsRef"
  FROM "Ingestion" AS i
 WHERE i."sourceType" = 'S3';

INSERT INTO "Connection" ("id", "tenantId", "name", "description", "type", "bucket", "prefix", "region", "endpoint",
                          "forcePathStyle", "credentialsKind", "credentialsRef", "createdAt", "updatedAt")
SELECT gen_random_uuid()::text, g."tenantId",
       's3-' || (CASE WHEN length(g."bucket") <= 56 THEN g."bucket" ELSE left(g."bucket", 47) || '-' || left(md5(g."bucket"), 8) END)
             || CASE WHEN g.n > 1 THEN '_' || g.n ELSE '' END,
       'Created at upgrade', 'S3', g."bucket", '', g."region", g."endpoint", g."forcePathStyle",
       (CASE WHEN g."credentialsRef" IS NULL THEN 'AMBIENT' ELSE 'ENV_REF' END)::"CredentialsKind", g."credentialsRef",
       CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
  FROM (SELECT s.*, row_number() OVER (PARTITION BY s."tenantId", s."bucket"
                                       ORDER BY s."endpoint" NULLS FIRST, s."region" NULLS FIRST, s."forcePathStyle", s."credentialsRef" NULLS FIRST) AS n
          FROM (SELECT DISTINCT "tenantId", "bucket", "endpoint", "region", "forcePathStyle", "credentialsRef" FROM "_s3_source") AS s) AS g;

UPDATE "Ingestion" AS i SET "connectionId" = c."id", "sourcePath" = s."path"
  FROM "_s3_source" AS s, "Connection" AS c
 WHERE s."id" = i."id" AND c."tenantId" = s."tenantId" AND c."type" = 'S3' AND c."bucket" = s."bucket"
   AND c."endpoint" IS NOT DISTINCT FROM s."endpoint" AND c."region" IS NOT DISTINCT FROM s."region"
   AND c."forcePathStyle" = s."forcePathStyle" AND c."credentialsRef" IS NOT DISTINCT FROM s."credentialsRef";

-- AlterTable
ALTER TABLE "Ingestion" ALTER COLUMN "connectionId" SET NOT NULL;
