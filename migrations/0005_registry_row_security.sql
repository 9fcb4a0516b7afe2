-- Second wall: rows of personal-data tables are visible to cps_app only inside the caller's jurisdiction,
-- which the scope helper sets per transaction (see cps_in_scope). The owner (migrations) is not subject to it.
--> statement-breakpoint
ALTER TABLE households ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY households_in_scope ON households TO cps_app
  USING (cps_in_scope(ward_code, residential_group_code))
  WITH CHECK (cps_in_scope(ward_code, residential_group_code));
--> statement-breakpoint
ALTER TABLE children ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY children_in_scope ON children TO cps_app
  USING (cps_in_scope(ward_code, residential_group_code))
  WITH CHECK (cps_in_scope(ward_code, residential_group_code));
--> statement-breakpoint
ALTER TABLE child_circumstances ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY child_circumstances_in_scope ON child_circumstances TO cps_app
  USING (cps_in_scope(ward_code, residential_group_code))
  WITH CHECK (cps_in_scope(ward_code, residential_group_code));
--> statement-breakpoint
ALTER TABLE care_records ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY care_records_in_scope ON care_records TO cps_app
  USING (cps_in_scope(ward_code, residential_group_code))
  WITH CHECK (cps_in_scope(ward_code, residential_group_code));
--> statement-breakpoint
ALTER TABLE health_insurance_cards ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY health_insurance_cards_in_scope ON health_insurance_cards TO cps_app
  USING (cps_in_scope(ward_code, residential_group_code))
  WITH CHECK (cps_in_scope(ward_code, residential_group_code));
--> statement-breakpoint
ALTER TABLE child_revisions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY child_revisions_in_scope ON child_revisions TO cps_app
  USING (cps_in_scope(ward_code, residential_group_code))
  WITH CHECK (cps_in_scope(ward_code, residential_group_code));
--> statement-breakpoint
-- Revisions are history: the application may add them, never rewrite them.
REVOKE UPDATE, DELETE, TRUNCATE ON child_revisions FROM cps_app;
