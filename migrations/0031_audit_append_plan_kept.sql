-- The same audit writer as 0017, in PL/pgSQL. Every audited request calls it (the read of a child from
-- inside cps_read_child, every write from its own statement). A LANGUAGE sql function that writes is never
-- inlined, and its INSERT was parsed and planned again on every call; PL/pgSQL keeps the plan for the
-- session. Measured with pgbench on the generated district (one session, BEGIN, one call, ROLLBACK):
-- 0.19–0.20 ms a transaction before, 0.14 ms after; a bare INSERT of the same row is 0.11 ms.
-- SECURITY INVOKER (the default), as before: the caller's grants apply.
CREATE OR REPLACE FUNCTION cps_append_audit(p_events jsonb) RETURNS void
  LANGUAGE plpgsql VOLATILE
  AS $$
BEGIN
  INSERT INTO audit_events (occurred_at, actor_type, actor_id, actor_name, role, action, resource_type, resource_id,
                            unit_code, request_id, outcome, details)
  SELECT e.occurred_at, e.actor_type, e.actor_id, e.actor_name, e.role, e.action, e.resource_type, e.resource_id,
         e.unit_code, e.request_id, e.outcome, e.details
    FROM jsonb_to_recordset(p_events) AS e(occurred_at timestamptz, actor_type text, actor_id text, actor_name text, role text,
                                           action text, resource_type text, resource_id text, unit_code text,
                                           request_id text, outcome text, details jsonb);
END
$$;
