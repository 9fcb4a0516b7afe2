-- The policies called cps_in_scope() for every row, which split the scope settings again for each one.
-- Reading each setting through a scalar subquery makes it an InitPlan: evaluated once per query. Same
-- rule as cps_in_scope (unset settings: no rows); writes keep checking with cps_in_scope.
CREATE OR REPLACE FUNCTION cps_scope_all() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT coalesce(current_setting('cps.scope_all', true), '') = 'on' $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION cps_scope_wards() RETURNS text[]
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT string_to_array(nullif(current_setting('cps.scope_wards', true), ''), ',') $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION cps_scope_groups() RETURNS text[]
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT string_to_array(nullif(current_setting('cps.scope_groups', true), ''), ',') $$;
--> statement-breakpoint
ALTER POLICY households_in_scope ON households
  USING ((SELECT cps_scope_all()) OR ward_code = ANY ((SELECT cps_scope_wards())::text[]) OR residential_group_code = ANY ((SELECT cps_scope_groups())::text[]));
--> statement-breakpoint
ALTER POLICY children_in_scope ON children
  USING ((SELECT cps_scope_all()) OR ward_code = ANY ((SELECT cps_scope_wards())::text[]) OR residential_group_code = ANY ((SELECT cps_scope_groups())::text[]));
--> statement-breakpoint
ALTER POLICY child_circumstances_in_scope ON child_circumstances
  USING ((SELECT cps_scope_all()) OR ward_code = ANY ((SELECT cps_scope_wards())::text[]) OR residential_group_code = ANY ((SELECT cps_scope_groups())::text[]));
--> statement-breakpoint
ALTER POLICY care_records_in_scope ON care_records
  USING ((SELECT cps_scope_all()) OR ward_code = ANY ((SELECT cps_scope_wards())::text[]) OR residential_group_code = ANY ((SELECT cps_scope_groups())::text[]));
--> statement-breakpoint
ALTER POLICY health_insurance_cards_in_scope ON health_insurance_cards
  USING ((SELECT cps_scope_all()) OR ward_code = ANY ((SELECT cps_scope_wards())::text[]) OR residential_group_code = ANY ((SELECT cps_scope_groups())::text[]));
--> statement-breakpoint
ALTER POLICY child_revisions_in_scope ON child_revisions
  USING ((SELECT cps_scope_all()) OR ward_code = ANY ((SELECT cps_scope_wards())::text[]) OR residential_group_code = ANY ((SELECT cps_scope_groups())::text[]));
--> statement-breakpoint
ALTER POLICY incidents_in_scope ON incidents
  USING ((SELECT cps_scope_all()) OR ward_code = ANY ((SELECT cps_scope_wards())::text[]) OR residential_group_code = ANY ((SELECT cps_scope_groups())::text[]));
--> statement-breakpoint
ALTER POLICY incident_children_in_scope ON incident_children
  USING ((SELECT cps_scope_all()) OR ward_code = ANY ((SELECT cps_scope_wards())::text[]) OR residential_group_code = ANY ((SELECT cps_scope_groups())::text[]));
--> statement-breakpoint
ALTER POLICY incident_steps_in_scope ON incident_steps
  USING ((SELECT cps_scope_all()) OR ward_code = ANY ((SELECT cps_scope_wards())::text[]) OR residential_group_code = ANY ((SELECT cps_scope_groups())::text[]));
--> statement-breakpoint
ALTER POLICY incident_revisions_in_scope ON incident_revisions
  USING ((SELECT cps_scope_all()) OR ward_code = ANY ((SELECT cps_scope_wards())::text[]) OR residential_group_code = ANY ((SELECT cps_scope_groups())::text[]));
--> statement-breakpoint
ALTER POLICY events_in_scope ON events
  USING ((SELECT cps_scope_all()) OR ward_code = ANY ((SELECT cps_scope_wards())::text[]) OR residential_group_code = ANY ((SELECT cps_scope_groups())::text[]));
