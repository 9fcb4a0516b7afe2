-- The incident kinds the 24-hour written-report duty covers become versioned data beside the step
-- deadlines, and each incident keeps the answer of the version in force when it was received: one
-- definition that the incident's state, the compliance endpoint, the deadline events and the indicator
-- all read. Existing versions and incidents get the scope the code held until now (every kind but injury
-- accidents and drowning).
ALTER TABLE "case_step_rule_versions" ADD COLUMN "written_report_kinds" text[];
--> statement-breakpoint
UPDATE "case_step_rule_versions" SET "written_report_kinds" = ARRAY['sexual_abuse', 'violence', 'exploitation', 'child_labour', 'trafficking', 'abandonment', 'neglect', 'other_rights_violation', 'other_harm'];
--> statement-breakpoint
ALTER TABLE "case_step_rule_versions" ALTER COLUMN "written_report_kinds" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "written_report_required" boolean;
--> statement-breakpoint
UPDATE "incidents" SET "written_report_required" = "kind" NOT IN ('injury_accident', 'drowning');
--> statement-breakpoint
ALTER TABLE "incidents" ALTER COLUMN "written_report_required" SET NOT NULL;
