-- Reading one child took eight round trips (begin, scope settings, child, audit event, three parts,
-- commit). This function does the same work in one statement, hence one implicit transaction: it sets
-- the caller's scope for row-level security (local to that transaction, so nothing outlives the call on
-- a pooled connection), applies the same first-wall predicate as the application's queries, appends the
-- audit event whether or not the child is found, and returns the child with its parts as JSON, or NULL.
-- SECURITY INVOKER (the default): the caller's row-level security and grants apply inside.
CREATE FUNCTION cps_read_child(
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
  INSERT INTO audit_events (occurred_at, actor_type, actor_id, actor_name, role, action, resource_type, resource_id, unit_code, request_id, outcome)
  VALUES (p_occurred_at, p_actor_type, p_actor_id, p_actor_name, p_role, 'child.read', 'child', p_child_id::text, found.ward_code, p_request_id,
          CASE WHEN found.id IS NULL THEN 'not_found' ELSE 'success' END);
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
