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
GRANT SELECT, INSERT, UPDATE, DELETE ON "case_step_rule_versions" TO cps_app;
