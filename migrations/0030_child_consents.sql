-- Consents to processing a child's personal data (Decree 13/2023, Personal Data Protection Law 2025): the
-- guardian's, and the child's own from 7, per purpose. A row is withdrawn by dating it and never deleted,
-- so what was consented to on any day stays answerable. Its row-level security is the child's: a consent
-- is visible and writable exactly when its child is, which no move, merge or re-homing can break.
CREATE TABLE "child_consents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"child_id" uuid NOT NULL REFERENCES "children"("id"),
	"purpose" text NOT NULL CHECK ("purpose" IN ('information_sharing', 'sensitive_data')),
	"party" text NOT NULL CHECK ("party" IN ('guardian', 'child')),
	"relationship" text,
	"method" text NOT NULL,
	"document_reference" text,
	"given_on" date NOT NULL,
	"withdrawn_on" date CHECK ("withdrawn_on" >= "given_on"),
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" text,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "child_consents_child_idx" ON "child_consents" USING btree ("child_id", "purpose");
--> statement-breakpoint
ALTER TABLE child_consents ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY child_consents_of_children_in_scope ON child_consents TO cps_app
  USING (EXISTS (SELECT 1 FROM children c WHERE c.id = child_id))
  WITH CHECK (EXISTS (SELECT 1 FROM children c WHERE c.id = child_id));
--> statement-breakpoint
-- A consent is corrected by withdrawing it and recording another: only the withdrawal (and a merge's move
-- to the surviving record) is ever written after the insert.
REVOKE ALL ON "child_consents" FROM cps_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON "child_consents" TO cps_app;
--> statement-breakpoint
GRANT UPDATE ("withdrawn_on", "version", "updated_at", "child_id") ON "child_consents" TO cps_app;
--> statement-breakpoint
-- Groups d (disability) and n (serious illness) are sensitive from now on: the revisions that recorded
-- such memberships before are flagged as new ones are, so that the history leaves them out for readers
-- without registry:sensitive.
UPDATE child_revisions SET sensitive = true
 WHERE NOT sensitive
   AND EXISTS (SELECT 1 FROM jsonb_array_elements(changes) AS change
                WHERE change -> 'to' ->> 'groupCode' IN ('d', 'n') OR change -> 'from' ->> 'groupCode' IN ('d', 'n'));
