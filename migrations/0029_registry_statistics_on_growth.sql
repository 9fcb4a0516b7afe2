-- Imports analysed `children` each time a fifth of its rows had changed: 22 times over a first import of
-- 100,000 children into an empty registry, at up to half a second each — a third of the import's time in
-- PostgreSQL. What misled the planner was growth (statistics taken when the table was nearly empty), so
-- a table is now analysed when it holds more than twice the rows of its last analysis (at least 1,000):
-- statistics are never more than one doubling behind, seven analyses for that import. `children` is
-- analysed only in the columns an import's lookups and the registry's row-level security filter on; the
-- rest keeps its statistics until autovacuum's next analysis, which a partial ANALYZE does not postpone
-- (it leaves the table's change count as it was).
CREATE OR REPLACE FUNCTION cps_refresh_registry_statistics() RETURNS text[]
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
DECLARE
  grown text[];
  name text;
BEGIN
  SELECT coalesce(array_agg(c.relname::text ORDER BY c.relname), '{}') INTO grown
    FROM pg_class c
    JOIN pg_stat_user_tables s ON s.relid = c.oid
   WHERE c.oid IN ('public.children'::regclass, 'public.households'::regclass, 'public.registry_tallies'::regclass)
     AND s.n_live_tup > greatest(1000, 2 * greatest(c.reltuples, 0));
  FOREACH name IN ARRAY grown LOOP
    IF name = 'children' THEN
      ANALYZE public.children (id, source, external_id, personal_id, province_code, ward_code, residential_group_code,
                               name_folded, date_of_birth, household_id, deleted_at);
    ELSE
      EXECUTE format('ANALYZE public.%I', name);
    END IF;
  END LOOP;
  RETURN grown;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION cps_refresh_registry_statistics() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION cps_refresh_registry_statistics() TO cps_app;
