-- A report's narrative is screened for the full names of household heads registered in its unit
-- (src/modules/reports/screening.ts), one probe per candidate name. The trigram index answers an equality by
-- reading the posting lists of the name's commonest trigrams: 13 ms a name on the generated district's
-- 568,000 households, where this index answers in a fraction of a millisecond.
SET LOCAL statement_timeout = 0;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "households_head_name_idx" ON "households" USING btree ("head_name_folded" COLLATE "C", "ward_code");
