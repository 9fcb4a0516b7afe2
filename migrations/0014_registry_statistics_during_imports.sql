-- A first load into a nearly empty registry grows `children` faster than autovacuum re-analyses it
-- (at most once a minute): the planner kept believing the table tiny and looked up each batch's keys
-- by scanning every child of the caller's wards, so an import slowed down as the table grew. Imports
-- call this between batches; it analyses a registry table once a fifth as many rows as it held (at
-- least 1,000) have changed since its last analysis. The application role owns no table and so may
-- not ANALYZE; this function, owned by the schema's owner, does only that.
CREATE FUNCTION cps_refresh_registry_statistics() RETURNS text[]
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
   WHERE c.oid IN ('public.children'::regclass, 'public.households'::regclass)
     AND s.n_mod_since_analyze > greatest(1000, 0.2 * greatest(c.reltuples, 0));
  FOREACH name IN ARRAY stale LOOP
    EXECUTE format('ANALYZE public.%I', name);
  END LOOP;
  RETURN stale;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION cps_refresh_registry_statistics() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION cps_refresh_registry_statistics() TO cps_app;
