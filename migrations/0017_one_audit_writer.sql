-- (The schema now also declares registry_tallies, which migration 0015 created: this migration's
-- snapshot carries it, and nothing here changes it.)
-- One definition of an audit row. Every writer appends audit events through this function: the
-- application (one event per request, or a batch for an import), webhook delivery (the service as
-- actor), and cps_read_child below, so the columns an audit event fills, and how, are written once.
-- SECURITY INVOKER (the default): the caller's grants apply (cps_app may insert audit events, never change them).
CREATE FUNCTION cps_append_audit(p_events jsonb) RETURNS void
  LANGUAGE sql VOLATILE
  AS $$
  INSERT INTO audit_events (occurred_at, actor_type, actor_id, actor_name, role, action, resource_type, resource_id,
                            unit_code, request_id, outcome, details)
  SELECT e.occurred_at, e.actor_type, e.actor_id, e.actor_name, e.role, e.action, e.resource_type, e.resource_id,
         e.unit_code, e.request_id, e.outcome, e.details
    FROM jsonb_to_recordset(p_events) AS e(occurred_at timestamptz, actor_type text, actor_id text, actor_name text, role text,
                                           action text, resource_type text, resource_id text, unit_code text,
                                           request_id text, outcome text, details jsonb)
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION cps_read_child(
  p_child_id uuid,
  p_scope_all text,
  p_scope_wards text,
  p_scope_groups text,
  p_occurred_at timestamptz,
  p_actor_type text,
  p_actor_id text,
  p_actor_name text,
  p_role text,
  p_request_id text
) RETURNS json
  LANGUAGE plpgsql VOLATILE
  AS $$
DECLARE
  found children;
BEGIN
  PERFORM set_config('cps.scope_all', p_scope_all, true),
          set_config('cps.scope_wards', p_scope_wards, true),
          set_config('cps.scope_groups', p_scope_groups, true);
  SELECT * INTO found FROM children c
   WHERE c.id = p_child_id AND c.deleted_at IS NULL
     AND ((SELECT cps_scope_all())
          OR c.ward_code = ANY ((SELECT cps_scope_wards())::text[])
          OR c.residential_group_code = ANY ((SELECT cps_scope_groups())::text[]));
  PERFORM cps_append_audit(jsonb_build_array(jsonb_build_object(
    'occurred_at', p_occurred_at, 'actor_type', p_actor_type, 'actor_id', p_actor_id, 'actor_name', p_actor_name,
    'role', p_role, 'action', 'child.read', 'resource_type', 'child', 'resource_id', p_child_id::text,
    'unit_code', found.ward_code, 'request_id', p_request_id,
    'outcome', CASE WHEN found.id IS NULL THEN 'not_found' ELSE 'success' END)));
  IF found.id IS NULL THEN
    RETURN NULL;
  END IF;
  RETURN json_build_object(
    'child', row_to_json(found),
    'circumstances', (SELECT coalesce(json_agg(x ORDER BY x.start_date, x.id), '[]'::json) FROM child_circumstances x WHERE x.child_id = found.id),
    'care', (SELECT coalesce(json_agg(x ORDER BY x.start_date, x.id), '[]'::json) FROM care_records x WHERE x.child_id = found.id),
    'cards', (SELECT coalesce(json_agg(x ORDER BY x.valid_from), '[]'::json) FROM health_insurance_cards x WHERE x.child_id = found.id)
  );
END
$$;
