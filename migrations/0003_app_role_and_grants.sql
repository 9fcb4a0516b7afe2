-- Requests run as cps_app (SET ROLE after connecting), which does not own the tables: row-level
-- security applies to it, and it may only append to the audit log.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cps_app') THEN
    BEGIN
      CREATE ROLE cps_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      -- Another database on this server created it at the same moment: advisory locks are per database, and the
      -- loser of the race sees the catalog's unique index (23505) rather than duplicate_object.
      NULL;
    END;
  END IF;
END
$$;
--> statement-breakpoint
-- The connecting (owner) role must be a member to SET ROLE; superusers already may.
DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    BEGIN
      EXECUTE format('GRANT cps_app TO %I', current_user);
    EXCEPTION WHEN unique_violation THEN
      NULL; -- granted by another database's migration at the same moment, as above
    END;
  END IF;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO cps_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO cps_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cps_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO cps_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO cps_app;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION cps_fold(text) TO cps_app;
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_chain FROM cps_app;
--> statement-breakpoint
GRANT USAGE ON SCHEMA drizzle TO cps_app;
--> statement-breakpoint
GRANT SELECT ON drizzle.__drizzle_migrations TO cps_app;
--> statement-breakpoint
-- Reads the caller's jurisdiction set for this transaction by the scope helper (src/platform/scope.ts).
-- Unset (a query outside the helper) means no jurisdiction at all: no rows.
CREATE OR REPLACE FUNCTION cps_in_scope(ward_code text, residential_group_code text) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$
    SELECT coalesce(current_setting('cps.scope_all', true), '') = 'on'
        OR ward_code = ANY (string_to_array(nullif(current_setting('cps.scope_wards', true), ''), ','))
        OR residential_group_code = ANY (string_to_array(nullif(current_setting('cps.scope_groups', true), ''), ','))
  $$;
