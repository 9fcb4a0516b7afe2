-- The legal calendar as data (issue 19): each special day names its legal basis, a weekday off that is not
-- itself a holiday is kind 'day_off', and the years the calendar covers are rows an administrator can set.
ALTER TABLE "calendar_days" ADD COLUMN "legal_basis" text DEFAULT '' NOT NULL;
--> statement-breakpoint
UPDATE "calendar_days" SET "kind" = 'day_off' WHERE "date" IN ('2024-04-29', '2025-05-02');
--> statement-breakpoint
CREATE TABLE "calendar_years" (
	"year" integer PRIMARY KEY NOT NULL,
	"source" text DEFAULT 'reference' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text,
	CONSTRAINT "calendar_years_source_check" CHECK ("source" IN ('reference', 'admin'))
);
--> statement-breakpoint
INSERT INTO "calendar_years" ("year")
SELECT DISTINCT extract(year FROM "date")::integer FROM "calendar_days"
ON CONFLICT DO NOTHING;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "calendar_years" TO cps_app;
