-- The DHIS2 mapping (issue 22): which DHIS2 data element, category option combo, org unit, data set (one per period type) and
-- attribute option combo each indicator, breakdown cell and unit posts to. One row, set by an administrator
-- (PUT /v1/dhis2/mapping with If-Match); it starts empty, so that nothing is posted until it is set.
CREATE TABLE "dhis2_mappings" (
  "id" text PRIMARY KEY NOT NULL CHECK ("id" = 'default'),
  "data_sets" jsonb DEFAULT '{"Monthly":null,"Quarterly":null,"SixMonthly":null,"Yearly":null}'::jsonb NOT NULL,
  "attribute_option_combo" text,
  "default_category_option_combo" text,
  "data_elements" jsonb DEFAULT '[]'::jsonb NOT NULL,
  "category_option_combos" jsonb DEFAULT '[]'::jsonb NOT NULL,
  "org_units" jsonb DEFAULT '[]'::jsonb NOT NULL,
  "version" integer DEFAULT 1 NOT NULL,
  "updated_at" timestamp with time zone,
  "updated_by" text
);
--> statement-breakpoint
INSERT INTO "dhis2_mappings" ("id") VALUES ('default');
--> statement-breakpoint
-- One row, replaced in place: the service reads and updates it, never adds or removes one.
REVOKE INSERT, DELETE, TRUNCATE ON "dhis2_mappings" FROM cps_app;
