-- The service directory and referrals (issue 23): the organisations a case can be referred to (the
-- national hotline 111, the city's social work centre, police, health stations, schools, shelters,
-- NGOs), the units each serves and its services; referrals from a case to one of them, with consent,
-- urgency and the response clock; and the machine clients a provider organisation is given, each bound
-- to its provider. The directory is not personal data: every officer reads it. A referral is, and is
-- read under the case's ward (as its incident is) or by the provider it is addressed to.
CREATE TABLE "service_providers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL CHECK ("kind" IN ('hotline', 'social_work_centre', 'police', 'health_station', 'school', 'shelter', 'ngo', 'other')),
	"phone" text,
	"email" text,
	"address" text,
	"units" text[] NOT NULL,
	"services" text[] NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" text,
	"updated_at" timestamp with time zone NOT NULL,
	"updated_by" text
);
--> statement-breakpoint
CREATE UNIQUE INDEX "service_providers_code_key" ON "service_providers" USING btree ("code");
--> statement-breakpoint
-- A machine client that acts for a provider organisation: it sees the referrals addressed to its provider, nothing else.
CREATE TABLE "provider_clients" (
	"client_id" uuid PRIMARY KEY NOT NULL REFERENCES "clients"("id"),
	"provider_id" uuid NOT NULL REFERENCES "service_providers"("id"),
	"created_at" timestamp with time zone NOT NULL,
	"created_by" text
);
--> statement-breakpoint
CREATE INDEX "provider_clients_provider_idx" ON "provider_clients" USING btree ("provider_id");
--> statement-breakpoint
-- The child's name and age are copied from the case when the referral is sent: what the provider is told,
-- read without any access to the case itself. The response is due at `due_at`, counted once at sending.
CREATE TABLE "referrals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"incident_id" uuid NOT NULL REFERENCES "incidents"("id"),
	"incident_child_id" uuid NOT NULL REFERENCES "incident_children"("id"),
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"provider_id" uuid NOT NULL REFERENCES "service_providers"("id"),
	"services" text[] NOT NULL,
	"note" text,
	"urgency" text NOT NULL CHECK ("urgency" IN ('emergency', 'urgent', 'routine')),
	"child_name" text,
	"child_age_years" integer,
	"consent" jsonb,
	"emergency_reason" text,
	"state" text DEFAULT 'sent' NOT NULL CHECK ("state" IN ('sent', 'accepted', 'declined', 'feedback_given', 'closed')),
	"sent_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"responded_at" timestamp with time zone,
	"responded_by" text,
	"decline_reason" text CHECK ("decline_reason" IN ('outside_mandate', 'no_capacity', 'not_in_area', 'duplicate', 'other')),
	"decline_note" text,
	"feedback" text,
	"feedback_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"closure_note" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" text,
	"updated_at" timestamp with time zone NOT NULL,
	"updated_by" text,
	CONSTRAINT "referrals_consent_or_emergency" CHECK ("consent" IS NOT NULL OR "emergency_reason" IS NOT NULL),
	CONSTRAINT "referrals_declined_with_reason" CHECK ("state" <> 'declined' OR "decline_reason" IS NOT NULL),
	CONSTRAINT "referrals_feedback_given" CHECK ("state" <> 'feedback_given' OR "feedback" IS NOT NULL)
);
--> statement-breakpoint
CREATE INDEX "referrals_incident_idx" ON "referrals" USING btree ("incident_id", "sent_at");
--> statement-breakpoint
CREATE INDEX "referrals_provider_idx" ON "referrals" USING btree ("provider_id", "sent_at");
--> statement-breakpoint
CREATE INDEX "referrals_ward_idx" ON "referrals" USING btree ("ward_code", "sent_at");
--> statement-breakpoint
-- The overdue sweep reads only the referrals still waiting for an answer.
CREATE INDEX "referrals_awaiting_due_idx" ON "referrals" USING btree ("due_at") WHERE "state" = 'sent';
--> statement-breakpoint
ALTER TABLE referrals ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
-- The case's ward sees its referrals; a provider's client sees those addressed to its provider, which the
-- referrals module sets in cps.scope_provider for that client's transactions only.
CREATE POLICY referrals_in_scope ON referrals TO cps_app
  USING (cps_in_scope(ward_code, residential_group_code)
         OR provider_id::text = nullif(current_setting('cps.scope_provider', true), ''))
  WITH CHECK (cps_in_scope(ward_code, residential_group_code)
              OR provider_id::text = nullif(current_setting('cps.scope_provider', true), ''));
--> statement-breakpoint
-- A referral is answered and closed, never deleted: what was asked of whom stays answerable.
REVOKE ALL ON "referrals" FROM cps_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "referrals" TO cps_app;
--> statement-breakpoint
-- Providers are deactivated, not deleted (referrals name them); a client's binding is for its life.
REVOKE DELETE, TRUNCATE ON "service_providers", "provider_clients" FROM cps_app;
--> statement-breakpoint
REVOKE UPDATE ON "provider_clients" FROM cps_app;
--> statement-breakpoint
-- A provider's answer is an event at the case's ward, which the provider's client does not hold: the
-- outbox's policy would refuse it. This records it for a referral addressed to that provider only, at the
-- referral's own unit, and only the answers a provider gives.
CREATE FUNCTION cps_record_provider_answer(p_referral_id uuid, p_provider_id uuid, p_type text, p_occurred_at timestamptz, p_data jsonb)
  RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
  INSERT INTO public.events (type, occurred_at, province_code, ward_code, residential_group_code, resource_type, resource_id, data)
  SELECT p_type, p_occurred_at, r.province_code, r.ward_code, r.residential_group_code, 'referral', r.id::text, p_data
    FROM public.referrals r
   WHERE r.id = p_referral_id AND r.provider_id = p_provider_id
     -- Only the provider whose client's transaction this is, and only the answer the referral now holds.
     AND p_provider_id::text = current_setting('cps.scope_provider', true)
     AND ((p_type = 'referral.accepted' AND r.state = 'accepted') OR (p_type = 'referral.declined' AND r.state = 'declined'))
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION cps_record_provider_answer(uuid, uuid, text, timestamptz, jsonb) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION cps_record_provider_answer(uuid, uuid, text, timestamptz, jsonb) TO cps_app;
--> statement-breakpoint
-- The directory's first entries (synthetic contact details): administrators keep it from here.
INSERT INTO "service_providers" ("id", "code", "name", "kind", "phone", "email", "address", "units", "services", "created_at", "updated_at", "created_by") VALUES
  ('5e1f0000-0000-4000-8000-000000000111', 'tong-dai-111', 'Tổng đài điện thoại quốc gia bảo vệ trẻ em 111', 'hotline', '111', NULL, 'Hà Nội',
   '{01}', '{counselling,case_notification}', now(), now(), 'migration'),
  ('5e1f0000-0000-4000-8000-000000000001', 'ttctxh-ha-noi', 'Trung tâm Công tác xã hội Hà Nội', 'social_work_centre', '024 0000 0101', 'lienhe@ttctxh.example.vn', 'Số 1 phố Mẫu, Hà Nội',
   '{01}', '{case_management,psychosocial_support,counselling,temporary_shelter,material_support}', now(), now(), 'migration'),
  ('5e1f0000-0000-4000-8000-000000000002', 'cong-an-hoang-mai', 'Công an phường Hoàng Mai', 'police', '024 0000 0202', NULL, 'Phường Hoàng Mai, Hà Nội',
   '{00331-2025}', '{safety_protection,investigation}', now(), now(), 'migration'),
  ('5e1f0000-0000-4000-8000-000000000003', 'tram-y-te-hoang-mai', 'Trạm Y tế phường Hoàng Mai', 'health_station', '024 0000 0303', NULL, 'Phường Hoàng Mai, Hà Nội',
   '{00331-2025}', '{medical_care,medical_examination}', now(), now(), 'migration'),
  ('5e1f0000-0000-4000-8000-000000000004', 'thcs-hoang-liet', 'Trường Trung học cơ sở Hoàng Liệt', 'school', '024 0000 0404', NULL, 'Phường Hoàng Liệt, Hà Nội',
   '{00337-2025}', '{education_support,counselling}', now(), now(), 'migration'),
  ('5e1f0000-0000-4000-8000-000000000005', 'nha-tam-lanh-binh-an', 'Nhà tạm lánh Bình An', 'shelter', '024 0000 0505', NULL, 'Hà Nội',
   '{01}', '{temporary_shelter,psychosocial_support}', now(), now(), 'migration'),
  ('5e1f0000-0000-4000-8000-000000000006', 'quy-anh-duong', 'Quỹ Ánh Dương vì trẻ em', 'ngo', '024 0000 0606', 'hotro@anhduong.example.org', 'Hà Nội',
   '{01}', '{legal_aid,counselling,education_support,material_support}', now(), now(), 'migration');
