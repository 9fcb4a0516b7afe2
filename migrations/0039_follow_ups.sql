-- Follow-ups of a case: home visits, phone calls, school visits and reviews, each due on a local day and
-- assigned to an officer of the case's ward. They carry the case's place, as its steps do, so that
-- row-level security reads them alike and a re-homing moves them with it.
CREATE TABLE "follow_ups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"incident_id" uuid NOT NULL REFERENCES "incidents"("id"),
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"kind" text NOT NULL CHECK ("kind" IN ('home_visit', 'phone_call', 'school_visit', 'review')),
	"due_date" date NOT NULL,
	"assignee_id" uuid REFERENCES "users"("id"),
	"note" text,
	"status" text DEFAULT 'scheduled' NOT NULL CHECK ("status" IN ('scheduled', 'completed', 'cancelled')),
	"outcome" text CHECK ("outcome" IN ('no_concerns', 'concerns_found', 'escalated', 'not_reached')),
	"outcome_note" text,
	"completed_on" date,
	"reschedule_count" integer DEFAULT 0 NOT NULL,
	"reschedule_reason" text,
	"cancel_reason" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" text,
	"updated_at" timestamp with time zone NOT NULL,
	"updated_by" text,
	CONSTRAINT "follow_ups_completion" CHECK (("status" = 'completed') = ("outcome" IS NOT NULL AND "completed_on" IS NOT NULL)),
	CONSTRAINT "follow_ups_cancellation" CHECK (("status" = 'cancelled') = ("cancel_reason" IS NOT NULL))
);
--> statement-breakpoint
CREATE INDEX "follow_ups_incident_idx" ON "follow_ups" USING btree ("incident_id", "due_date");
--> statement-breakpoint
-- The sweep and the task list read only what is still to be done.
CREATE INDEX "follow_ups_scheduled_due_idx" ON "follow_ups" USING btree ("due_date") WHERE "status" = 'scheduled';
--> statement-breakpoint
CREATE INDEX "follow_ups_scheduled_assignee_idx" ON "follow_ups" USING btree ("assignee_id", "due_date") WHERE "status" = 'scheduled';
--> statement-breakpoint
ALTER TABLE follow_ups ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY follow_ups_in_scope ON follow_ups TO cps_app
  USING (cps_in_scope(ward_code, residential_group_code))
  WITH CHECK (cps_in_scope(ward_code, residential_group_code));
--> statement-breakpoint
-- A follow-up is completed, rescheduled or cancelled, never deleted: what was planned stays answerable.
REVOKE ALL ON "follow_ups" FROM cps_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "follow_ups" TO cps_app;
