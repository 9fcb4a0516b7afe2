-- The case-work indicators read a year of cases from a district's hundred thousand: the support plans judged
-- by their deadline (received in the window, each with its first support plan), and the cases closed in the
-- window. Without these they read every incident of the district's wards and probed every case's steps
-- through the heap, one after another: about 130 ms of a district-wide table's 430 ms (docs/benchmarks.md).
-- The support plans' index holds the columns row-level security filters on, so a probe reads the index alone where
-- the table's pages are all visible.
SET LOCAL statement_timeout = 0;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "incident_steps_support_plan_idx" ON "incident_steps" USING btree ("incident_id", "at", "ward_code", "residential_group_code") WHERE "step" = 'support_plan';
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "incidents_received_idx" ON "incidents" USING btree ("received_at");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "incidents_closed_idx" ON "incidents" USING btree ("closed_at") WHERE "closed_at" IS NOT NULL;
