-- The registry by given name, then by name in the "C" collation: a search's family-and-given tier ("Nguyễn
-- Anh": names that begin with Nguyễn and end with Anh) reads its page as one range of this index, and its
-- given-name tier ("Anh" alone, or the other names ending with Anh) in the order it answers in, instead of
-- gathering every child with those syllables from the syllables' index and sorting them (85,000 children
-- end with Anh in the generated district of a million: 1.8 s district-wide before). Only a condition on
-- the given name, which nothing but those tiers writes, leads a plan into it.
-- Building it reads every child: on a registry of a million it may take longer than the service's
-- statement timeout, and registry writes wait until it is built.
SET LOCAL statement_timeout = 0;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "children_given_name_idx" ON "children" USING btree (("name_syllables"[cardinality("name_syllables")]), "name_folded" COLLATE "C", "id");
--> statement-breakpoint
-- The planner estimates a condition on the given name from the statistics ANALYZE gathers for an indexed
-- expression; until they exist it guesses 0.5% of the registry for any name and keeps the slow plan.
ANALYZE "children";
