-- The Decree 56 step deadlines as versioned data: each version has its effective date, and a case is held
-- to the version in force on the day it was received. Seeded from src/reference/case-step-rules.json;
-- an administrator publishes corrections.
CREATE TABLE "case_step_rule_versions" (
	"version" integer PRIMARY KEY NOT NULL,
	"effective_from" date NOT NULL,
	"legal_basis" text NOT NULL,
	"rules" jsonb NOT NULL,
	"source" text NOT NULL CHECK ("source" IN ('reference', 'admin')),
	"note" text,
	"published_at" timestamp with time zone NOT NULL,
	"published_by" text
);
--> statement-breakpoint
-- A history that only grows: the application adds versions, never changes or removes one.
GRANT SELECT, INSERT ON "case_step_rule_versions" TO cps_app;
--> statement-breakpoint
REVOKE UPDATE, DELETE ON "case_step_rule_versions" FROM cps_app;
--> statement-breakpoint
-- Version 1, as src/reference/case-step-rules.json holds it: a database migrated but not yet seeded still
-- counts every deadline (seeding finds the same content and adds nothing).
INSERT INTO "case_step_rule_versions" ("version", "effective_from", "legal_basis", "rules", "source", "note", "published_at")
VALUES (1, '2017-06-15', 'Nghị định 56/2017/NĐ-CP ngày 09/5/2017', '[{"step": "initial_assessment", "kind": "hours", "amount": 12, "anchor": "receipt", "confirmed": false}, {"step": "emergency_protection", "kind": "hours", "amount": 12, "anchor": "receipt", "confirmed": true}, {"step": "specific_assessment", "kind": "working_days", "amount": 3, "anchor": "receipt", "confirmed": false}, {"step": "support_plan", "kind": "working_days", "amount": 5, "anchor": "receipt", "confirmed": true}, {"step": "plan_approval", "kind": "working_days", "amount": 7, "anchor": "receipt", "confirmed": false}]'::jsonb, 'reference', 'reference data 2017.1', now());
