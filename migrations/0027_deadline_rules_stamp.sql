-- What the deadline rules (the working calendar and the case-step rule versions) were last changed to,
-- as one value: a process keeps the rules it has read under this value and reads them again only when it
-- changes. Every change takes a fresh random value, so two databases hold the same value only when one
-- is a copy of the other, rules included.
CREATE TABLE "deadline_rules_stamp" (
  "only_row" boolean PRIMARY KEY DEFAULT true CHECK ("only_row"),
  "stamp" uuid NOT NULL DEFAULT gen_random_uuid()
);
--> statement-breakpoint
INSERT INTO "deadline_rules_stamp" DEFAULT VALUES;
--> statement-breakpoint
GRANT SELECT ON "deadline_rules_stamp" TO cps_app;
--> statement-breakpoint
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "deadline_rules_stamp" FROM cps_app;
--> statement-breakpoint
-- Runs as the tables' owner: the application reads the stamp and never writes it itself.
CREATE FUNCTION cps_restamp_deadline_rules() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  UPDATE deadline_rules_stamp SET stamp = gen_random_uuid();
  RETURN NULL;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION cps_restamp_deadline_rules() FROM PUBLIC;
--> statement-breakpoint
CREATE TRIGGER "calendar_days_restamp" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "calendar_days"
  FOR EACH STATEMENT EXECUTE FUNCTION cps_restamp_deadline_rules();
--> statement-breakpoint
CREATE TRIGGER "calendar_years_restamp" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "calendar_years"
  FOR EACH STATEMENT EXECUTE FUNCTION cps_restamp_deadline_rules();
--> statement-breakpoint
CREATE TRIGGER "case_step_rule_versions_restamp" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "case_step_rule_versions"
  FOR EACH STATEMENT EXECUTE FUNCTION cps_restamp_deadline_rules();
--> statement-breakpoint
-- The lock an incident's writer holds against a change of the rules (shared; a change takes it alone),
-- then the stamp. The stamp is read by a statement of its own after the lock is held, so it is never
-- older than the last change committed before the lock was granted.
CREATE FUNCTION cps_lock_deadline_rules_shared() RETURNS uuid
  LANGUAGE plpgsql VOLATILE
  AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(hashtext('deadline_rules'));
  RETURN (SELECT stamp FROM deadline_rules_stamp);
END
$$;
