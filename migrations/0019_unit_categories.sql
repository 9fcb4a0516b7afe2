CREATE TABLE "unit_categories" (
	"unit_code" text NOT NULL,
	"valid_from" date NOT NULL,
	"category" text NOT NULL,
	"recognising_unit_code" text,
	"set_by" text,
	"set_at" timestamp with time zone DEFAULT now() NOT NULL,
	"note" text,
	CONSTRAINT "unit_categories_unit_code_valid_from_pk" PRIMARY KEY("unit_code","valid_from")
);
--> statement-breakpoint
ALTER TABLE "assessments" ADD COLUMN "recognising_unit_code" text;--> statement-breakpoint
ALTER TABLE "unit_categories" ADD CONSTRAINT "unit_categories_unit_code_units_code_fk" FOREIGN KEY ("unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_categories" ADD CONSTRAINT "unit_categories_recognising_unit_code_units_code_fk" FOREIGN KEY ("recognising_unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Each ward's category of today, in force from the ward's first day, recognised by its parent (the district
-- before the 2025 reform, the city after). A fresh database has no units yet: seeding the units reference
-- adds these rows then (applyUnitsReference).
INSERT INTO "unit_categories" ("unit_code", "valid_from", "category", "recognising_unit_code", "note")
SELECT "code", "valid_from", "category", "parent_code", 'from units.category'
FROM "units" WHERE "level" = 'ward' AND "category" IS NOT NULL
ON CONFLICT DO NOTHING;--> statement-breakpoint
-- Assessments opened before the recognising unit was recorded: the ward's parent recognised them.
UPDATE "assessments" SET "recognising_unit_code" = "units"."parent_code"
FROM "units" WHERE "units"."code" = "assessments"."ward_code" AND "assessments"."recognising_unit_code" IS NULL;
