-- Named groups of wards an administrator defines for consolidation (e.g. the wards of former Hoàng Mai
-- district, now directly under the city): a group is not an administrative unit and has no parent; its
-- figures and reports are those of its wards.
CREATE TABLE "unit_groups" (
	"code" text PRIMARY KEY NOT NULL,
	"name_vi" text NOT NULL,
	"name_en" text,
	"ward_codes" text[] NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "unit_groups_has_wards" CHECK (cardinality("ward_codes") > 0)
);
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "unit_groups" TO cps_app;
--> statement-breakpoint
-- A consolidated report is labelled by the level of its unit: the city's was labelled a district's.
UPDATE "reports" SET "level" = "units"."level"
FROM "units" WHERE "units"."code" = "reports"."unit_code" AND "reports"."level" <> 'ward' AND "units"."level" <> "reports"."level";
