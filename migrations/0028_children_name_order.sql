-- The registry in name order: a search's exact tier (a name as registered or typed without diacritics)
-- reads its page straight from here, in the order it answers in, instead of gathering every child with
-- those syllables from the syllables' index and sorting them (thousands for a common name).
CREATE INDEX "children_name_idx" ON "children" USING btree ("name_folded", "id");
