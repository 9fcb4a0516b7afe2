-- Counting a district's million children for the indicators took two seconds: one pass over `children`
-- joined with memberships, care and cards. The counts are now kept in the writing transaction instead.
--
-- Each child carries, maintained by triggers on its parts, the dates it belongs to a special-circumstance
-- group (membership_coverage), receives care (care_coverage) and holds a valid health insurance card
-- (card_coverage). registry_tallies counts the children on the registry (neither deleted nor merged) by
-- ward, sex, birth date, the date they left the registry's active list, and those three coverages: about
-- a fifth as many rows as children, and every question the indicators ask of a date (age group, special
-- circumstance, cared for in the window, card valid) is a condition on a tally row. The rows are deltas:
-- each statement that changes children appends its net change, so writers never wait on one another;
-- cps_settle_registry_tallies() folds the deltas into one settled row per key (the service runs it
-- periodically). Only these functions write the table; the application role may read it in its scope.
ALTER TABLE children
  ADD COLUMN card_coverage datemultirange NOT NULL DEFAULT '{}',
  ADD COLUMN membership_coverage datemultirange NOT NULL DEFAULT '{}',
  ADD COLUMN care_coverage datemultirange NOT NULL DEFAULT '{}';
--> statement-breakpoint
CREATE TABLE registry_tallies (
  ward_code text NOT NULL,
  sex text NOT NULL,
  birth_date date,
  -- status_date of a child no longer active ('-infinity' when that date is unknown); null while active
  inactive_since date,
  card_coverage datemultirange NOT NULL,
  membership_coverage datemultirange NOT NULL,
  care_coverage datemultirange NOT NULL,
  children integer NOT NULL,
  settled boolean NOT NULL DEFAULT false
) WITH (fillfactor = 80);
--> statement-breakpoint
CREATE UNIQUE INDEX registry_tallies_settled_key ON registry_tallies
  (ward_code, sex, birth_date, inactive_since, card_coverage, membership_coverage, care_coverage) NULLS NOT DISTINCT
  WHERE settled;
--> statement-breakpoint
ALTER TABLE registry_tallies ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY registry_tallies_in_scope ON registry_tallies TO cps_app
  USING ((SELECT cps_scope_all()) OR ward_code = ANY ((SELECT cps_scope_wards())::text[]));
--> statement-breakpoint
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON registry_tallies FROM cps_app;
--> statement-breakpoint
GRANT SELECT ON registry_tallies TO cps_app;
--> statement-breakpoint
-- The coverages are the triggers' to write: the application role may insert and update every other
-- column of children (a migration adding a column to children grants it the same way).
DO $$
DECLARE
  writable text;
BEGIN
  SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) INTO writable
    FROM information_schema.columns
   WHERE table_schema = 'public' AND table_name = 'children' AND is_generated = 'NEVER'
     AND column_name NOT IN ('card_coverage', 'membership_coverage', 'care_coverage');
  REVOKE INSERT, UPDATE ON children FROM cps_app;
  EXECUTE format('GRANT INSERT (%1$s), UPDATE (%1$s) ON children TO cps_app', writable);
END
$$;
--> statement-breakpoint
-- The net change of one statement on `children`, from its transition tables.
CREATE FUNCTION cps_tally_children() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
DECLARE
  columns constant text := 'ward_code, sex, effective_birth_date, status, status_date, deleted_at, merged_into, card_coverage, membership_coverage, care_coverage';
  changed text := CASE TG_OP
    WHEN 'INSERT' THEN format('SELECT %s, 1 AS n FROM new_children', columns)
    WHEN 'DELETE' THEN format('SELECT %s, -1 AS n FROM old_children', columns)
    ELSE format('SELECT %1$s, -1 AS n FROM old_children UNION ALL SELECT %1$s, 1 AS n FROM new_children', columns)
  END;
BEGIN
  EXECUTE format(
    'INSERT INTO registry_tallies (ward_code, sex, birth_date, inactive_since, card_coverage, membership_coverage, care_coverage, children)
     SELECT ward_code, sex, effective_birth_date,
            CASE WHEN status = %L THEN NULL ELSE coalesce(status_date, %L::date) END,
            card_coverage, membership_coverage, care_coverage, sum(n)
       FROM (%s) changed
      WHERE deleted_at IS NULL AND merged_into IS NULL
      GROUP BY 1, 2, 3, 4, 5, 6, 7
     HAVING sum(n) <> 0',
    'active', '-infinity', changed);
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- What each part contributes to its child's coverage: the coverage column, the part's table, its dates
-- as a range and which of its rows count. Ranges whose end precedes their start cover no day.
CREATE FUNCTION cps_coverage_source(coverage text, OUT part_table text, OUT range_of text, OUT counted text)
  LANGUAGE sql IMMUTABLE
  AS $$
    SELECT CASE coverage
             WHEN 'card_coverage' THEN 'health_insurance_cards'
             WHEN 'membership_coverage' THEN 'child_circumstances'
             WHEN 'care_coverage' THEN 'care_records'
           END,
           CASE coverage
             WHEN 'card_coverage' THEN 'daterange(p.valid_from, p.valid_to, ''[]'')'
             ELSE 'daterange(p.start_date, p.end_date, ''[]'')'
           END,
           CASE coverage
             WHEN 'card_coverage' THEN 'p.valid_from <= p.valid_to'
             WHEN 'membership_coverage' THEN 'p.kind = ''group'' AND p.group_code IS NOT NULL AND (p.end_date IS NULL OR p.start_date <= p.end_date)'
             ELSE 'p.end_date IS NULL OR p.start_date <= p.end_date'
           END
  $$;
--> statement-breakpoint
-- Recomputes the coverage of the children whose parts one statement touched (a part moved to another
-- child, as in a merge, touches both). The update of `children` then tallies the change.
CREATE FUNCTION cps_cover_children() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
DECLARE
  coverage constant text := TG_ARGV[0];
  source record;
  touched text := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT child_id FROM new_parts'
    WHEN 'DELETE' THEN 'SELECT child_id FROM old_parts'
    ELSE 'SELECT child_id FROM old_parts UNION SELECT child_id FROM new_parts'
  END;
BEGIN
  SELECT * INTO source FROM cps_coverage_source(coverage);
  EXECUTE format(
    'UPDATE children c SET %1$I = fresh.coverage
       FROM (SELECT t.child_id,
                    coalesce((SELECT range_agg(%3$s) FROM %2$I p WHERE p.child_id = t.child_id AND (%4$s)), ''{}'') AS coverage
               FROM (%5$s) t) fresh
      WHERE c.id = fresh.child_id AND c.%1$I <> fresh.coverage',
    coverage, source.part_table, source.range_of, source.counted, touched);
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Folds the deltas into the settled rows; one caller at a time (another finds the lock taken and returns
-- null). Returns the number of delta rows folded.
CREATE FUNCTION cps_settle_registry_tallies() RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
DECLARE
  folded integer;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('cps_settle_registry_tallies')) THEN
    RETURN NULL;
  END IF;
  WITH deltas AS (
    DELETE FROM registry_tallies WHERE NOT settled
    RETURNING ward_code, sex, birth_date, inactive_since, card_coverage, membership_coverage, care_coverage, children
  ), counted AS (
    SELECT count(*)::integer AS n FROM deltas
  ), sums AS (
    INSERT INTO registry_tallies AS t (ward_code, sex, birth_date, inactive_since, card_coverage, membership_coverage, care_coverage, children, settled)
    SELECT ward_code, sex, birth_date, inactive_since, card_coverage, membership_coverage, care_coverage, sum(children), true
      FROM deltas
     GROUP BY 1, 2, 3, 4, 5, 6, 7
    HAVING sum(children) <> 0
    ON CONFLICT (ward_code, sex, birth_date, inactive_since, card_coverage, membership_coverage, care_coverage) WHERE settled
    DO UPDATE SET children = t.children + excluded.children
  )
  SELECT n INTO folded FROM counted;
  DELETE FROM registry_tallies WHERE settled AND children = 0;
  RETURN folded;
END
$$;
--> statement-breakpoint
-- Recomputes every child's coverage and every tally from the tables themselves: for this migration, and
-- after loading data with triggers off (the benchmark generator does). Other writers wait meanwhile.
CREATE FUNCTION cps_rebuild_registry_tallies() RETURNS bigint
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
DECLARE
  coverage text;
  source record;
  total bigint;
BEGIN
  LOCK TABLE registry_tallies IN EXCLUSIVE MODE;
  FOREACH coverage IN ARRAY ARRAY['card_coverage', 'membership_coverage', 'care_coverage'] LOOP
    SELECT * INTO source FROM cps_coverage_source(coverage);
    EXECUTE format(
      'UPDATE children c SET %1$I = coalesce(fresh.coverage, ''{}'')
         FROM children k
         LEFT JOIN (SELECT p.child_id, range_agg(%3$s) AS coverage FROM %2$I p WHERE (%4$s) GROUP BY p.child_id) fresh
           ON fresh.child_id = k.id
        WHERE c.id = k.id AND c.%1$I <> coalesce(fresh.coverage, ''{}'')',
      coverage, source.part_table, source.range_of, source.counted);
  END LOOP;
  DELETE FROM registry_tallies;
  INSERT INTO registry_tallies (ward_code, sex, birth_date, inactive_since, card_coverage, membership_coverage, care_coverage, children, settled)
  SELECT ward_code, sex, effective_birth_date,
         CASE WHEN status = 'active' THEN NULL ELSE coalesce(status_date, '-infinity'::date) END,
         card_coverage, membership_coverage, care_coverage, count(*), true
    FROM children
   WHERE deleted_at IS NULL AND merged_into IS NULL
   GROUP BY 1, 2, 3, 4, 5, 6, 7;
  SELECT coalesce(sum(children), 0) INTO total FROM registry_tallies;
  RETURN total;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION cps_settle_registry_tallies() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION cps_settle_registry_tallies() TO cps_app;
--> statement-breakpoint
REVOKE ALL ON FUNCTION cps_rebuild_registry_tallies() FROM PUBLIC;
--> statement-breakpoint
REVOKE ALL ON FUNCTION cps_tally_children() FROM PUBLIC;
--> statement-breakpoint
REVOKE ALL ON FUNCTION cps_cover_children() FROM PUBLIC;
--> statement-breakpoint
-- Filled before the triggers exist, so that filling writes no deltas.
SELECT cps_rebuild_registry_tallies();
--> statement-breakpoint
-- Without statistics the planner takes the tallies for a handful of rows and sorts them all to group them.
ANALYZE registry_tallies;
--> statement-breakpoint
-- Imports grow the tallies as fast as the children: their statistics are refreshed between batches too.
CREATE OR REPLACE FUNCTION cps_refresh_registry_statistics() RETURNS text[]
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
DECLARE
  stale text[];
  name text;
BEGIN
  SELECT coalesce(array_agg(c.relname::text), '{}') INTO stale
    FROM pg_class c
    JOIN pg_stat_user_tables s ON s.relid = c.oid
   WHERE c.oid IN ('public.children'::regclass, 'public.households'::regclass, 'public.registry_tallies'::regclass)
     AND s.n_mod_since_analyze > greatest(1000, 0.2 * greatest(c.reltuples, 0));
  FOREACH name IN ARRAY stale LOOP
    EXECUTE format('ANALYZE public.%I', name);
  END LOOP;
  RETURN stale;
END
$$;
--> statement-breakpoint
CREATE TRIGGER children_tally_insert AFTER INSERT ON children
  REFERENCING NEW TABLE AS new_children FOR EACH STATEMENT EXECUTE FUNCTION cps_tally_children();
--> statement-breakpoint
CREATE TRIGGER children_tally_update AFTER UPDATE ON children
  REFERENCING OLD TABLE AS old_children NEW TABLE AS new_children FOR EACH STATEMENT EXECUTE FUNCTION cps_tally_children();
--> statement-breakpoint
CREATE TRIGGER children_tally_delete AFTER DELETE ON children
  REFERENCING OLD TABLE AS old_children FOR EACH STATEMENT EXECUTE FUNCTION cps_tally_children();
--> statement-breakpoint
CREATE TRIGGER health_insurance_cards_cover_insert AFTER INSERT ON health_insurance_cards
  REFERENCING NEW TABLE AS new_parts FOR EACH STATEMENT EXECUTE FUNCTION cps_cover_children('card_coverage');
--> statement-breakpoint
CREATE TRIGGER health_insurance_cards_cover_update AFTER UPDATE ON health_insurance_cards
  REFERENCING OLD TABLE AS old_parts NEW TABLE AS new_parts FOR EACH STATEMENT EXECUTE FUNCTION cps_cover_children('card_coverage');
--> statement-breakpoint
CREATE TRIGGER health_insurance_cards_cover_delete AFTER DELETE ON health_insurance_cards
  REFERENCING OLD TABLE AS old_parts FOR EACH STATEMENT EXECUTE FUNCTION cps_cover_children('card_coverage');
--> statement-breakpoint
CREATE TRIGGER child_circumstances_cover_insert AFTER INSERT ON child_circumstances
  REFERENCING NEW TABLE AS new_parts FOR EACH STATEMENT EXECUTE FUNCTION cps_cover_children('membership_coverage');
--> statement-breakpoint
CREATE TRIGGER child_circumstances_cover_update AFTER UPDATE ON child_circumstances
  REFERENCING OLD TABLE AS old_parts NEW TABLE AS new_parts FOR EACH STATEMENT EXECUTE FUNCTION cps_cover_children('membership_coverage');
--> statement-breakpoint
CREATE TRIGGER child_circumstances_cover_delete AFTER DELETE ON child_circumstances
  REFERENCING OLD TABLE AS old_parts FOR EACH STATEMENT EXECUTE FUNCTION cps_cover_children('membership_coverage');
--> statement-breakpoint
CREATE TRIGGER care_records_cover_insert AFTER INSERT ON care_records
  REFERENCING NEW TABLE AS new_parts FOR EACH STATEMENT EXECUTE FUNCTION cps_cover_children('care_coverage');
--> statement-breakpoint
CREATE TRIGGER care_records_cover_update AFTER UPDATE ON care_records
  REFERENCING OLD TABLE AS old_parts NEW TABLE AS new_parts FOR EACH STATEMENT EXECUTE FUNCTION cps_cover_children('care_coverage');
--> statement-breakpoint
CREATE TRIGGER care_records_cover_delete AFTER DELETE ON care_records
  REFERENCING OLD TABLE AS old_parts FOR EACH STATEMENT EXECUTE FUNCTION cps_cover_children('care_coverage');
