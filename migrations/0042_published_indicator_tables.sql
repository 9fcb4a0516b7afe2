-- What a caller from whom small counts are withheld (a city system, a partner agency) was shown of a closed
-- period, per indicator: the figures after disclosure control, with every breakdown such a caller may ask
-- for, protected together. Written on the first request for the period and served unchanged from then on,
-- so that two requests for the same period never show different cells: a breakdown read beside another,
-- or the period read again after records were back-dated into it, gives away nothing the first did not.
CREATE TABLE "published_indicator_tables" (
	"plan_year" integer NOT NULL,
	"as_of" date NOT NULL,
	"unit_code" text NOT NULL,
	-- A digest of the map the period was reprojected onto (its wards, and the ward each residential group
	-- counts at): two dates of one map are one table. Null on the window's own map.
	"map_key" text,
	"indicator_code" text NOT NULL,
	"indicator_version" integer NOT NULL,
	"available" boolean NOT NULL,
	"figures" jsonb NOT NULL,
	"published_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "published_indicator_tables_key" ON "published_indicator_tables"
	USING btree ("plan_year", "as_of", "unit_code", "map_key", "indicator_code", "indicator_version") NULLS NOT DISTINCT;
--> statement-breakpoint
-- What was published stays as it was: the application adds tables, never changes or removes one.
GRANT SELECT, INSERT ON "published_indicator_tables" TO cps_app;
--> statement-breakpoint
REVOKE UPDATE, DELETE ON "published_indicator_tables" FROM cps_app;
