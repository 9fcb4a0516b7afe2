-- Follow-ups scheduled by an approved support plan: one for each action of the plan, due on the action's due
-- date. A generated follow-up names its action (the action's key in the plan), the approved plan version that
-- last set it, and the due date and officer the plan gave it, so that the next approval changes only what the
-- plan changed. The columns are covered by follow_ups' row-level security and grants (0039): a follow-up is
-- still completed, rescheduled or cancelled, never deleted.
ALTER TABLE "follow_ups" ADD COLUMN "plan_action_key" text;
--> statement-breakpoint
ALTER TABLE "follow_ups" ADD COLUMN "plan_version" integer;
--> statement-breakpoint
ALTER TABLE "follow_ups" ADD COLUMN "plan_due_on" date;
--> statement-breakpoint
ALTER TABLE "follow_ups" ADD COLUMN "plan_assignee_id" uuid REFERENCES "users"("id");
--> statement-breakpoint
-- Cancelled because a revision of the plan dropped its action (not by the ward): the action's return schedules it again.
ALTER TABLE "follow_ups" ADD COLUMN "cancelled_by_plan" boolean DEFAULT false NOT NULL;
--> statement-breakpoint
ALTER TABLE "follow_ups" ADD CONSTRAINT "follow_ups_plan_action" CHECK (
  ("plan_action_key" IS NULL) = ("plan_version" IS NULL)
  AND ("plan_action_key" IS NULL) = ("plan_due_on" IS NULL)
  AND ("plan_action_key" IS NOT NULL OR "plan_assignee_id" IS NULL)
);
--> statement-breakpoint
-- An action has at most one follow-up that is not cancelled: approving the plan again never adds a second.
CREATE UNIQUE INDEX "follow_ups_plan_action_idx" ON "follow_ups" USING btree ("incident_id", "plan_action_key")
  WHERE "plan_action_key" IS NOT NULL AND "status" <> 'cancelled';
