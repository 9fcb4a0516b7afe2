-- What a published indicator table is keyed by, beyond its year, closing day, unit and indicator code:
-- the map it is laid on, now always (the wards listed and where each record counts, as a digest, so that a
-- correction of the unit tree publishes afresh rather than serving the rows of wards that moved), and what
-- its figures were computed and protected by (`definition_key`: a digest of the definition's measure, kind,
-- numerator, denominator, breakdowns and source, and of the version of the publication rules), so that a
-- new version of a definition that changes none of these (an official code corrected) reads the table
-- already published instead of publishing the period again with the records back-dated since.
ALTER TABLE "published_indicator_tables" ADD COLUMN "definition_key" text NOT NULL DEFAULT '';
--> statement-breakpoint
DROP INDEX "published_indicator_tables_key";
--> statement-breakpoint
CREATE UNIQUE INDEX "published_indicator_tables_key" ON "published_indicator_tables"
	USING btree ("plan_year", "as_of", "unit_code", "map_key", "indicator_code", "definition_key") NULLS NOT DISTINCT;
