-- Name search by syllables. A Vietnamese name is a short sequence of syllables drawn from a small
-- vocabulary, with a few very common family names: the folded syllables of each name (GIN) find the
-- children whose names hold every syllable typed, in any order; and the vocabulary of syllables in use
-- lets a mistyped or unfinished syllable be corrected to its nearest syllables in use
-- (src/modules/children/search-rules.ts) before the same GIN look-up, instead of ranking a large share of
-- the registry by trigram similarity. The vocabulary holds syllables only, never which child or ward
-- they belong to.
ALTER TABLE "children" ADD COLUMN "name_syllables" text[] GENERATED ALWAYS AS (string_to_array(cps_fold("full_name"), ' ')) STORED;
--> statement-breakpoint
CREATE INDEX "children_name_syllables_idx" ON "children" USING gin ("name_syllables");
--> statement-breakpoint
-- No unique key: two writers adding the same new syllable at once must not wait for each other (writers
-- of the registry never do, see migration 0015), so such a syllable may be listed twice; readers take
-- distinct values.
CREATE TABLE "name_syllables" ("syllable" text NOT NULL);
--> statement-breakpoint
CREATE INDEX "name_syllables_syllable_idx" ON "name_syllables" ("syllable");
--> statement-breakpoint
INSERT INTO "name_syllables" ("syllable") SELECT DISTINCT unnest("name_syllables") FROM "children";
--> statement-breakpoint
-- The application reads the vocabulary; only the triggers below (as the owner) add to it.
GRANT SELECT ON "name_syllables" TO cps_app;
--> statement-breakpoint
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "name_syllables" FROM cps_app;
--> statement-breakpoint
-- Once per inserting statement, from the rows it wrote: an import batch adds its new syllables in one
-- insert, and only those not yet listed.
CREATE OR REPLACE FUNCTION cps_note_name_syllables() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  INSERT INTO name_syllables (syllable)
    SELECT DISTINCT typed.syllable FROM written, unnest(written.name_syllables) AS typed(syllable)
    WHERE NOT EXISTS (SELECT 1 FROM name_syllables known WHERE known.syllable = typed.syllable);
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- A renamed child, row by row and only when the name changed: the registry's other updates (coverage,
-- status, moves) never reach it.
CREATE OR REPLACE FUNCTION cps_note_renamed_syllables() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  INSERT INTO name_syllables (syllable)
    SELECT DISTINCT typed.syllable FROM unnest(NEW.name_syllables) AS typed(syllable)
    WHERE NOT EXISTS (SELECT 1 FROM name_syllables known WHERE known.syllable = typed.syllable);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "children_name_syllables_insert" AFTER INSERT ON "children"
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION cps_note_name_syllables();
--> statement-breakpoint
CREATE TRIGGER "children_name_syllables_rename" AFTER UPDATE OF "full_name" ON "children"
  FOR EACH ROW WHEN (OLD."full_name" IS DISTINCT FROM NEW."full_name") EXECUTE FUNCTION cps_note_renamed_syllables();
--> statement-breakpoint
-- The children in the caller's jurisdiction by the same predicate as row-level security (migration 0010),
-- for the name search. Row-level security lets only leakproof conditions run before its own, and the
-- name conditions (array containment, trigram similarity) are not leakproof: under it the planner reads
-- every row of the table. Through this view, owned by the tables' owner, the scope is a plain condition
-- and the name indexes serve. The search's conditions are built by the service and raise no error that
-- depends on a row's values, so evaluating them before the scope reveals nothing; the service's own
-- scope condition stays in every query beside it.
CREATE VIEW "children_in_scope" AS
  SELECT * FROM "children"
  WHERE (SELECT cps_scope_all()) OR "ward_code" = ANY ((SELECT cps_scope_wards())::text[])
     OR "residential_group_code" = ANY ((SELECT cps_scope_groups())::text[]);
--> statement-breakpoint
-- Read only: the view is updatable, and writes through it would run as its owner, around row-level security.
GRANT SELECT ON "children_in_scope" TO cps_app;
--> statement-breakpoint
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "children_in_scope" FROM cps_app;
