-- The registry by exact name: a search's exact tier (a name as registered or typed without diacritics)
-- reads its page straight from here, in the order it answers in, instead of gathering every child with
-- those syllables from the syllables' index and sorting them (thousands for a common name). In the "C"
-- collation, so that only the exact tier, which asks for it, uses it: listings by name filtered on a few
-- children (a birth year, a sex) keep their plans, which walking a name-ordered index would slow down.
-- Building it reads every child: on a registry of a million, it may take longer than the service's statement
-- timeout, and registry writes wait until it is built.
SET LOCAL statement_timeout = 0;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "children_name_idx" ON "children" USING btree ("name_folded" COLLATE "C", "id");
