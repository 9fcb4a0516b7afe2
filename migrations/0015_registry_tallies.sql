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
-- Filling the tallies reads every child: on a registry of a million, longer than the service's statement
-- timeout. Parts written by an instance still running the previous version while this runs would be
-- missed by the fill, so their tables are held until the triggers exist.
SET LOCAL statement_timeout = 0;
--> statement-breakpoint
LOCK TABLE child_circumstances, care_records, health_insurance_cards IN SHARE MODE;
--> statement-breakpoint
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
-- What the tallies count, in one place: the INSERT that adds the children of relation `added` and takes
-- away those of `removed` (either may be null), by tally key. Returned as text for the caller to run,
-- since a trigger's transition tables are visible to the trigger's own function alone.
CREATE FUNCTION cps_registry_tallies_insert(added text, removed text, settled boolean) RETURNS text
  LANGUAGE sql IMMUTABLE
  AS $$
    SELECT format(
      'INSERT INTO registry_tallies (ward_code, sex, birth_date, inactive_since, card_coverage, membership_coverage, care_coverage, children, settled)
       SELECT ward_code, sex, effective_birth_date,
              CASE WHEN status = ''active'' THEN NULL ELSE coalesce(status_date, ''-infinity''::date) END,
              card_coverage, membership_coverage, care_coverage, sum(n), %L
         FROM (%s) changed
        WHERE deleted_at IS NULL AND merged_into IS NULL
        GROUP BY 1, 2, 3, 4, 5, 6, 7
       HAVING sum(n) <> 0',
      settled,
      concat_ws(' UNION ALL ',
        CASE WHEN added IS NOT NULL THEN format('SELECT %s, 1 AS n FROM %I', source.columns, added) END,
        CASE WHEN removed IS NOT NULL THEN format('SELECT %s, -1 AS n FROM %I', source.columns, removed) END))
      FROM (SELECT 'ward_code, sex, effective_birth_date, status, status_date, deleted_at, merged_into, card_coverage, membership_coverage, care_coverage' AS columns) source
  $$;
--> statement-breakpoint
-- The net change of one statement on `children`, from its transition tables.
CREATE FUNCTION cps_tally_children() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
BEGIN
  EXECUTE cps_registry_tallies_insert(
    CASE WHEN TG_OP <> 'DELETE' THEN 'new_children' END,
    CASE WHEN TG_OP <> 'INSERT' THEN 'old_children' END,
    false);
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
-- child, as in a merge, touches both). The children are locked first: a transaction adding a part to
-- the same child meanwhile commits before the coverage is read again (each statement here sees what is
-- committed when it starts), so neither overwrites the other's part. The update of `children` then
-- tallies the change.
CREATE FUNCTION cps_cover_children() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
DECLARE
  coverage constant text := TG_ARGV[0];
  source record;
  touched uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT child_id) INTO touched FROM new_parts;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT child_id) INTO touched FROM old_parts;
  ELSE
    SELECT array_agg(DISTINCT child_id) INTO touched FROM (SELECT child_id FROM old_parts UNION SELECT child_id FROM new_parts) t;
  END IF;
  IF touched IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM 1 FROM children WHERE id = ANY (touched) ORDER BY id FOR NO KEY UPDATE;
  SELECT * INTO source FROM cps_coverage_source(coverage);
  EXECUTE format(
    'UPDATE children c SET %1$I = fresh.coverage
       FROM (SELECT t.child_id,
                    coalesce((SELECT range_agg(%3$s) FROM %2$I p WHERE p.child_id = t.child_id AND (%4$s)), ''{}'') AS coverage
               FROM unnest($1) AS t(child_id)) fresh
      WHERE c.id = fresh.child_id AND c.%1$I <> fresh.coverage',
    coverage, source.part_table, source.range_of, source.counted)
    USING touched;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Folds up to max_deltas deltas into the settled rows and drops settled rows that fell to zero; one
-- caller at a time (another finds the lock taken and gets null). Returns the number of deltas folded:
-- callers repeat while it returns max_deltas, each call a short transaction of its own.
CREATE FUNCTION cps_settle_registry_tallies(max_deltas integer DEFAULT 50000) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
DECLARE
  folded integer;
  emptied tid[];
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('cps_settle_registry_tallies')) THEN
    RETURN NULL;
  END IF;
  WITH deltas AS (
    DELETE FROM registry_tallies
     WHERE ctid = ANY (ARRAY(SELECT ctid FROM registry_tallies WHERE NOT settled LIMIT max_deltas))
    RETURNING ward_code, sex, birth_date, inactive_since, card_coverage, membership_coverage, care_coverage, children
  ), sums AS (
    INSERT INTO registry_tallies AS t (ward_code, sex, birth_date, inactive_since, card_coverage, membership_coverage, care_coverage, children, settled)
    SELECT ward_code, sex, birth_date, inactive_since, card_coverage, membership_coverage, care_coverage, sum(children), true
      FROM deltas
     GROUP BY 1, 2, 3, 4, 5, 6, 7
    HAVING sum(children) <> 0
    ON CONFLICT (ward_code, sex, birth_date, inactive_since, card_coverage, membership_coverage, care_coverage) WHERE settled
    DO UPDATE SET children = t.children + excluded.children
    RETURNING t.ctid AS row_id, t.children
  )
  SELECT (SELECT count(*)::integer FROM deltas), (SELECT array_agg(row_id) FROM sums WHERE children = 0) INTO folded, emptied;
  IF emptied IS NOT NULL THEN
    DELETE FROM registry_tallies WHERE ctid = ANY (emptied);
  END IF;
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
  -- In the order writers take them, so that a writer never holds one while waiting for another.
  LOCK TABLE children, child_circumstances, care_records, health_insurance_cards IN SHARE ROW EXCLUSIVE MODE;
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
  EXECUTE cps_registry_tallies_insert('children', NULL, true);
  SELECT coalesce(sum(children), 0) INTO total FROM registry_tallies;
  RETURN total;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION cps_settle_registry_tallies(integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION cps_settle_registry_tallies(integer) TO cps_app;
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
--> statement-breakpoint
-- TRUNCATE fires no row or statement-level change triggers: emptying a table empties what it counted.
CREATE FUNCTION cps_tallies_after_truncate() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
BEGIN
  IF TG_TABLE_NAME = 'children' THEN
    DELETE FROM registry_tallies;
  ELSE
    EXECUTE format('UPDATE children SET %1$I = ''{}'' WHERE %1$I <> ''{}''', TG_ARGV[0]);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION cps_tallies_after_truncate() FROM PUBLIC;
--> statement-breakpoint
CREATE TRIGGER children_tally_truncate AFTER TRUNCATE ON children FOR EACH STATEMENT EXECUTE FUNCTION cps_tallies_after_truncate();
--> statement-breakpoint
CREATE TRIGGER health_insurance_cards_cover_truncate AFTER TRUNCATE ON health_insurance_cards
  FOR EACH STATEMENT EXECUTE FUNCTION cps_tallies_after_truncate('card_coverage');
--> statement-breakpoint
CREATE TRIGGER child_circumstances_cover_truncate AFTER TRUNCATE ON child_circumstances
  FOR EACH STATEMENT EXECUTE FUNCTION cps_tallies_after_truncate('membership_coverage');
--> statement-breakpoint
CREATE TRIGGER care_records_cover_truncate AFTER TRUNCATE ON care_records
  FOR EACH STATEMENT EXECUTE FUNCTION cps_tallies_after_truncate('care_coverage');
