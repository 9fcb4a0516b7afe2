-- What a published indicator table is keyed by, beyond its year, closing day, unit and indicator code:
-- the map it is laid on, now always (the wards listed, as a digest, so that a correction of the unit tree
-- that lists other wards publishes afresh rather than serving the rows of wards that moved), and what
-- its figures were computed and protected by (`definition_key`: a digest of the definition's measure, kind,
-- numerator, denominator, breakdowns and source, and of the version of the publication rules), so that a
-- new version of a definition that changes none of these (an official code corrected) reads the table
-- already published instead of publishing the period again with the records back-dated since.
-- Tables published before this migration keep a key of their own, by version (two versions of one definition
-- may both have been published): they stay as a record of what was shown and are not served again, since no
-- digest matches it.
ALTER TABLE "published_indicator_tables" ADD COLUMN "definition_key" text;
--> statement-breakpoint
UPDATE "published_indicator_tables" SET "definition_key" = 'published before 0043, version ' || "indicator_version";
--> statement-breakpoint
ALTER TABLE "published_indicator_tables" ALTER COLUMN "definition_key" SET NOT NULL;
--> statement-breakpoint
DROP INDEX "published_indicator_tables_key";
--> statement-breakpoint
CREATE UNIQUE INDEX "published_indicator_tables_key" ON "published_indicator_tables"
	USING btree ("plan_year", "as_of", "unit_code", "map_key", "indicator_code", "definition_key") NULLS NOT DISTINCT;
