-- CreateEnum
CREATE TYPE "ListingMode" AS ENUM ('FULL', 'ORDERED');

-- AlterTable
ALTER TABLE "Ingestion" ADD COLUMN     "fullListingEveryHours" INTEGER NOT NULL DEFAULT 24,
ADD COLUMN     "lastFullListingAt" TIMESTAMP(3),
ADD COLUMN     "listingHighWaterPath" TEXT,
ADD COLUMN     "listingMode" "ListingMode" NOT NULL DEFAULT 'FULL';

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "listRequests" INTEGER,
ADD COLUMN     "listedAfter" TEXT;
