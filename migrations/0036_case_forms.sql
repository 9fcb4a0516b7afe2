-- The content of the Decree 56 case steps as forms (issue 23): one current form of each kind per incident,
-- versioned, and every version kept in case_form_revisions. Both carry the incident's place: row-level
-- security is the incident's jurisdiction policy (0007), and a re-homing moves them with the incident.
CREATE TABLE "case_forms" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"incident_id" uuid NOT NULL REFERENCES "incidents"("id"),
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"kind" text NOT NULL CHECK ("kind" IN ('intake', 'initial_assessment', 'specific_assessment', 'support_plan', 'reviews', 'closure')),
	"content" jsonb NOT NULL,
	"status" text NOT NULL CHECK ("status" IN ('recorded', 'draft', 'submitted', 'approved')),
	"submitted_at" timestamp with time zone,
	"submitted_by_name" text,
	"submitted_version" integer,
	"approved_at" timestamp with time zone,
	"approved_by_id" text,
	"approved_by_name" text,
	"approved_version" integer,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"updated_by_id" text,
	"updated_by_name" text
);
--> statement-breakpoint
CREATE UNIQUE INDEX "case_forms_incident_kind_idx" ON "case_forms" USING btree ("incident_id", "kind");
--> statement-breakpoint
CREATE TABLE "case_form_revisions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"form_id" uuid NOT NULL REFERENCES "case_forms"("id"),
	"incident_id" uuid NOT NULL REFERENCES "incidents"("id"),
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"kind" text NOT NULL,
	"version" integer NOT NULL,
	"action" text NOT NULL CHECK ("action" IN ('create', 'update', 'submit', 'approve')),
	"changes" jsonb NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	"actor_id" text,
	"actor_name" text,
	"request_id" text
);
--> statement-breakpoint
CREATE INDEX "case_form_revisions_form_idx" ON "case_form_revisions" USING btree ("form_id", "id");
--> statement-breakpoint
ALTER TABLE case_forms ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY case_forms_in_scope ON case_forms TO cps_app
  USING (cps_in_scope(ward_code, residential_group_code))
  WITH CHECK (cps_in_scope(ward_code, residential_group_code));
--> statement-breakpoint
ALTER TABLE case_form_revisions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY case_form_revisions_in_scope ON case_form_revisions TO cps_app
  USING (cps_in_scope(ward_code, residential_group_code))
  WITH CHECK (cps_in_scope(ward_code, residential_group_code));
--> statement-breakpoint
-- A form is replaced by its next version, never removed; its revisions are history, changed only in where
-- they are kept when the incident is re-homed.
REVOKE DELETE, TRUNCATE ON case_forms FROM cps_app;
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON case_form_revisions FROM cps_app;
--> statement-breakpoint
GRANT UPDATE (province_code, ward_code, residential_group_code) ON case_form_revisions TO cps_app;
