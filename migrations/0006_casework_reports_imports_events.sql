CREATE TABLE "jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"queue" text NOT NULL,
	"payload" jsonb NOT NULL,
	"state" text DEFAULT 'queued' NOT NULL,
	"run_at" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 5 NOT NULL,
	"singleton_key" text,
	"locked_by" text,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "incident_children" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"incident_id" uuid NOT NULL,
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"child_id" uuid,
	"unregistered" jsonb,
	"sex" text,
	"age_years" integer,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "incident_revisions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"incident_id" uuid NOT NULL,
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"version" integer NOT NULL,
	"changes" jsonb NOT NULL,
	"reason" text,
	"compliance_before" text,
	"compliance_after" text,
	"changed_at" timestamp with time zone NOT NULL,
	"actor_id" text,
	"actor_name" text
);
--> statement-breakpoint
CREATE TABLE "incident_steps" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"incident_id" uuid NOT NULL,
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"step" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone,
	"note" text,
	"actor_id" text,
	"actor_name" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"kind" text NOT NULL,
	"sub_kind" text,
	"occurred_at" timestamp with time zone NOT NULL,
	"occurred_at_precision" text NOT NULL,
	"detected_at" timestamp with time zone NOT NULL,
	"channel" text NOT NULL,
	"phone_reported_at" timestamp with time zone,
	"emergency" boolean DEFAULT false NOT NULL,
	"narrative" text,
	"perpetrator_relation" text,
	"injury_outcome" text,
	"written_report_due_at" timestamp with time zone NOT NULL,
	"written_report_basis" text NOT NULL,
	"written_report_submitted_at" timestamp with time zone,
	"written_report_late_reason" text,
	"written_report_by" text,
	"received_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"closed_at" timestamp with time zone,
	"closure_reason" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"created_by" text,
	"updated_by" text
);
--> statement-breakpoint
CREATE TABLE "assessment_scores" (
	"assessment_id" uuid NOT NULL,
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"criterion_code" text NOT NULL,
	"points" integer NOT NULL,
	"sub_items" jsonb NOT NULL,
	"evidence_note" text,
	"attachments" jsonb NOT NULL,
	"suggestion" jsonb,
	"override_reason" text,
	"adjusted_by_district" boolean DEFAULT false NOT NULL,
	"adjustment_reason" text,
	"ward_points" integer,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"updated_by" text,
	CONSTRAINT "assessment_scores_assessment_id_criterion_code_pk" PRIMARY KEY("assessment_id","criterion_code")
);
--> statement-breakpoint
CREATE TABLE "assessments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"year" integer NOT NULL,
	"criteria_set_id" text NOT NULL,
	"criteria_set_version" integer NOT NULL,
	"category" text NOT NULL,
	"assessed_on" text NOT NULL,
	"state" text DEFAULT 'draft' NOT NULL,
	"minutes_reference" text,
	"submitted_at" timestamp with time zone,
	"submitted_by" text,
	"appraised_at" timestamp with time zone,
	"appraised_by" text,
	"appraisal_note" text,
	"decided_at" timestamp with time zone,
	"decided_by" text,
	"recognised" boolean,
	"decision_number" text,
	"decision_date" text,
	"decision_authority" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"created_by" text
);
--> statement-breakpoint
CREATE TABLE "criteria_sets" (
	"id" text NOT NULL,
	"version" integer NOT NULL,
	"definition" jsonb NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"published_by" text,
	"note" text,
	CONSTRAINT "criteria_sets_id_version_pk" PRIMARY KEY("id","version")
);
--> statement-breakpoint
CREATE TABLE "indicator_definitions" (
	"code" text NOT NULL,
	"version" integer NOT NULL,
	"definition" jsonb NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	CONSTRAINT "indicator_definitions_code_version_pk" PRIMARY KEY("code","version")
);
--> statement-breakpoint
CREATE TABLE "plan_targets" (
	"plan_year" integer NOT NULL,
	"indicator_code" text NOT NULL,
	"comparator" text NOT NULL,
	"value" numeric NOT NULL,
	"unit" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"updated_by" text,
	CONSTRAINT "plan_targets_plan_year_indicator_code_pk" PRIMARY KEY("plan_year","indicator_code")
);
--> statement-breakpoint
CREATE TABLE "reporting_periods" (
	"code" text PRIMARY KEY NOT NULL,
	"year" integer NOT NULL,
	"kind" text NOT NULL,
	"due_date" date NOT NULL,
	"window_from" date NOT NULL,
	"window_to" date NOT NULL
);
--> statement-breakpoint
CREATE TABLE "report_submissions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"report_id" uuid NOT NULL,
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"number" integer NOT NULL,
	"snapshot" jsonb NOT NULL,
	"sections" jsonb NOT NULL,
	"submitted_at" timestamp with time zone NOT NULL,
	"submitted_by" text,
	"outcome" text DEFAULT 'pending' NOT NULL,
	"review_comments" text
);
--> statement-breakpoint
CREATE TABLE "reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"unit_code" text NOT NULL,
	"level" text NOT NULL,
	"period_code" text NOT NULL,
	"state" text DEFAULT 'draft' NOT NULL,
	"snapshot" jsonb NOT NULL,
	"sections" jsonb NOT NULL,
	"submitted_at" timestamp with time zone,
	"submitted_by" text,
	"first_submitted_at" timestamp with time zone,
	"timeliness" text,
	"reviewed_at" timestamp with time zone,
	"reviewed_by" text,
	"review_comments" text,
	"submission_count" integer DEFAULT 0 NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"created_by" text
);
--> statement-breakpoint
CREATE TABLE "import_rows" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"import_id" uuid NOT NULL,
	"row_number" integer NOT NULL,
	"data" jsonb NOT NULL,
	"outcome" text DEFAULT 'pending' NOT NULL,
	"problems" jsonb,
	"record_id" uuid
);
--> statement-breakpoint
CREATE TABLE "imports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"source" text NOT NULL,
	"mode" text NOT NULL,
	"dry_run" integer NOT NULL,
	"format" text NOT NULL,
	"file_name" text,
	"state" text NOT NULL,
	"rows_read" integer DEFAULT 0 NOT NULL,
	"rows_done" integer DEFAULT 0 NOT NULL,
	"created" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"unchanged" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	"warnings" integer DEFAULT 0 NOT NULL,
	"failure" jsonb,
	"principal_kind" text NOT NULL,
	"principal_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "event_dispatch_cursor" (
	"name" text PRIMARY KEY NOT NULL,
	"last_event_id" bigint NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"event_id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"type" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"resource_type" text NOT NULL,
	"resource_id" text NOT NULL,
	"data" jsonb NOT NULL,
	"dedupe_key" text
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"subscription_id" uuid NOT NULL,
	"event_row_id" bigint NOT NULL,
	"attempt" integer NOT NULL,
	"state" text NOT NULL,
	"response_status" integer,
	"latency_ms" integer,
	"error" text,
	"request_headers" jsonb,
	"attempted_at" timestamp with time zone,
	"next_attempt_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_kind" text NOT NULL,
	"owner_id" text NOT NULL,
	"url" text NOT NULL,
	"event_types" text[] NOT NULL,
	"units" text[] NOT NULL,
	"secret" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" text,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "incident_children" ADD CONSTRAINT "incident_children_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_children" ADD CONSTRAINT "incident_children_child_id_children_id_fk" FOREIGN KEY ("child_id") REFERENCES "public"."children"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_revisions" ADD CONSTRAINT "incident_revisions_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_steps" ADD CONSTRAINT "incident_steps_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assessment_scores" ADD CONSTRAINT "assessment_scores_assessment_id_assessments_id_fk" FOREIGN KEY ("assessment_id") REFERENCES "public"."assessments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_submissions" ADD CONSTRAINT "report_submissions_report_id_reports_id_fk" FOREIGN KEY ("report_id") REFERENCES "public"."reports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_rows" ADD CONSTRAINT "import_rows_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_subscription_id_webhook_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."webhook_subscriptions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_event_row_id_events_id_fk" FOREIGN KEY ("event_row_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "jobs_due_idx" ON "jobs" USING btree ("state","run_at") WHERE "jobs"."state" in ('queued', 'active');--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_singleton_key" ON "jobs" USING btree ("singleton_key");--> statement-breakpoint
CREATE INDEX "jobs_queue_idx" ON "jobs" USING btree ("queue","state");--> statement-breakpoint
CREATE INDEX "incident_children_incident_idx" ON "incident_children" USING btree ("incident_id");--> statement-breakpoint
CREATE INDEX "incident_children_child_idx" ON "incident_children" USING btree ("child_id");--> statement-breakpoint
CREATE INDEX "incident_revisions_incident_idx" ON "incident_revisions" USING btree ("incident_id","id");--> statement-breakpoint
CREATE INDEX "incident_steps_incident_idx" ON "incident_steps" USING btree ("incident_id","at");--> statement-breakpoint
CREATE INDEX "incidents_ward_occurred_idx" ON "incidents" USING btree ("ward_code","occurred_at");--> statement-breakpoint
CREATE INDEX "incidents_due_idx" ON "incidents" USING btree ("written_report_due_at") WHERE written_report_submitted_at is null;--> statement-breakpoint
CREATE INDEX "incidents_kind_idx" ON "incidents" USING btree ("kind","occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "assessments_ward_year_key" ON "assessments" USING btree ("ward_code","year");--> statement-breakpoint
CREATE INDEX "assessments_year_idx" ON "assessments" USING btree ("year");--> statement-breakpoint
CREATE UNIQUE INDEX "report_submissions_number_key" ON "report_submissions" USING btree ("report_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "reports_unit_period_key" ON "reports" USING btree ("unit_code","period_code");--> statement-breakpoint
CREATE INDEX "reports_period_idx" ON "reports" USING btree ("period_code","state");--> statement-breakpoint
CREATE UNIQUE INDEX "import_rows_number_key" ON "import_rows" USING btree ("import_id","row_number");--> statement-breakpoint
CREATE INDEX "import_rows_pending_idx" ON "import_rows" USING btree ("import_id","outcome");--> statement-breakpoint
CREATE INDEX "imports_principal_idx" ON "imports" USING btree ("principal_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "events_event_id_key" ON "events" USING btree ("event_id");--> statement-breakpoint
CREATE UNIQUE INDEX "events_dedupe_key" ON "events" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "events_type_idx" ON "events" USING btree ("type","id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_subscription_idx" ON "webhook_deliveries" USING btree ("subscription_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_attempt_key" ON "webhook_deliveries" USING btree ("subscription_id","event_row_id","attempt");