-- Incidents, their children, steps and revisions, and the event outbox carry personal data: the same
-- jurisdiction policy as the registry. (Reports and assessments are aggregates, scoped in queries.)
--> statement-breakpoint
ALTER TABLE incidents ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY incidents_in_scope ON incidents TO cps_app
  USING (cps_in_scope(ward_code, residential_group_code))
  WITH CHECK (cps_in_scope(ward_code, residential_group_code));
--> statement-breakpoint
ALTER TABLE incident_children ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY incident_children_in_scope ON incident_children TO cps_app
  USING (cps_in_scope(ward_code, residential_group_code))
  WITH CHECK (cps_in_scope(ward_code, residential_group_code));
--> statement-breakpoint
ALTER TABLE incident_steps ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY incident_steps_in_scope ON incident_steps TO cps_app
  USING (cps_in_scope(ward_code, residential_group_code))
  WITH CHECK (cps_in_scope(ward_code, residential_group_code));
--> statement-breakpoint
ALTER TABLE incident_revisions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY incident_revisions_in_scope ON incident_revisions TO cps_app
  USING (cps_in_scope(ward_code, residential_group_code))
  WITH CHECK (cps_in_scope(ward_code, residential_group_code));
--> statement-breakpoint
ALTER TABLE events ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY events_in_scope ON events TO cps_app
  USING (cps_in_scope(ward_code, residential_group_code))
  WITH CHECK (cps_in_scope(ward_code, residential_group_code));
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON incident_revisions FROM cps_app;
