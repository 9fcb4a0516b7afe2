CREATE TABLE "households" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"street_address" text,
	"head_name" text NOT NULL,
	"head_name_folded" text GENERATED ALWAYS AS (cps_fold(head_name)) STORED,
	"poverty_status" text DEFAULT 'none' NOT NULL,
	"poverty_from" date,
	"poverty_to" date,
	"members" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"source" text,
	"external_id" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"created_by" text,
	"updated_by" text,
	"deleted_at" timestamp with time zone,
	"deleted_reason" text
);
--> statement-breakpoint
CREATE TABLE "care_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"child_id" uuid NOT NULL,
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"kind" text NOT NULL,
	"provider" text,
	"start_date" date NOT NULL,
	"end_date" date,
	"amount_vnd" bigint,
	"note" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" text,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "child_circumstances" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"child_id" uuid NOT NULL,
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"kind" text NOT NULL,
	"group_code" text,
	"sub_group" text,
	"risk" text,
	"start_date" date NOT NULL,
	"end_date" date,
	"end_reason" text,
	"note" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" text,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "child_revisions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"child_id" uuid NOT NULL,
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"version" integer NOT NULL,
	"action" text NOT NULL,
	"changes" jsonb NOT NULL,
	"sensitive" boolean DEFAULT false NOT NULL,
	"reason" text,
	"changed_at" timestamp with time zone NOT NULL,
	"actor_id" text,
	"actor_name" text,
	"request_id" text
);
--> statement-breakpoint
CREATE TABLE "children" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"street_address" text,
	"household_id" uuid,
	"relationship_to_head" text,
	"full_name" text NOT NULL,
	"name_folded" text GENERATED ALWAYS AS (cps_fold(full_name)) STORED,
	"date_of_birth" date,
	"birth_year" integer,
	"effective_birth_date" date GENERATED ALWAYS AS (coalesce(date_of_birth, make_date(birth_year, 7, 1))) STORED,
	"birth_date_precision" text DEFAULT 'exact' NOT NULL,
	"sex" text NOT NULL,
	"ethnicity_code" text,
	"personal_id" text,
	"birth_registered" boolean,
	"schooling_status" text,
	"has_disability" boolean DEFAULT false NOT NULL,
	"disability_note" text,
	"health_note" text,
	"caregivers" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"status_date" date,
	"moved_to" text,
	"merged_into" uuid,
	"source" text,
	"external_id" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"created_by" text,
	"updated_by" text,
	"deleted_at" timestamp with time zone,
	"deleted_reason" text
);
--> statement-breakpoint
CREATE TABLE "ethnicities" (
	"code" text PRIMARY KEY NOT NULL,
	"name_vi" text NOT NULL,
	"name_en" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "health_insurance_cards" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"child_id" uuid NOT NULL,
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"card_number" text NOT NULL,
	"issued_on" date,
	"valid_from" date NOT NULL,
	"valid_to" date NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" text
);
--> statement-breakpoint
ALTER TABLE "care_records" ADD CONSTRAINT "care_records_child_id_children_id_fk" FOREIGN KEY ("child_id") REFERENCES "public"."children"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "child_circumstances" ADD CONSTRAINT "child_circumstances_child_id_children_id_fk" FOREIGN KEY ("child_id") REFERENCES "public"."children"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "child_circumstances" ADD CONSTRAINT "child_circumstances_group_code_circumstance_groups_code_fk" FOREIGN KEY ("group_code") REFERENCES "public"."circumstance_groups"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "child_revisions" ADD CONSTRAINT "child_revisions_child_id_children_id_fk" FOREIGN KEY ("child_id") REFERENCES "public"."children"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "children" ADD CONSTRAINT "children_household_id_households_id_fk" FOREIGN KEY ("household_id") REFERENCES "public"."households"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "children" ADD CONSTRAINT "children_ethnicity_code_ethnicities_code_fk" FOREIGN KEY ("ethnicity_code") REFERENCES "public"."ethnicities"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "children" ADD CONSTRAINT "children_merged_into_children_id_fk" FOREIGN KEY ("merged_into") REFERENCES "public"."children"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "health_insurance_cards" ADD CONSTRAINT "health_insurance_cards_child_id_children_id_fk" FOREIGN KEY ("child_id") REFERENCES "public"."children"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "households_ward_idx" ON "households" USING btree ("ward_code");--> statement-breakpoint
CREATE INDEX "households_group_idx" ON "households" USING btree ("residential_group_code");--> statement-breakpoint
CREATE INDEX "households_head_trgm_idx" ON "households" USING gin ("head_name_folded" gin_trgm_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "households_source_external_key" ON "households" USING btree ("source","external_id");--> statement-breakpoint
CREATE INDEX "care_records_child_idx" ON "care_records" USING btree ("child_id");--> statement-breakpoint
CREATE INDEX "care_records_ward_idx" ON "care_records" USING btree ("ward_code");--> statement-breakpoint
CREATE INDEX "child_circumstances_child_idx" ON "child_circumstances" USING btree ("child_id");--> statement-breakpoint
CREATE INDEX "child_circumstances_ward_group_idx" ON "child_circumstances" USING btree ("ward_code","group_code");--> statement-breakpoint
CREATE INDEX "child_revisions_child_idx" ON "child_revisions" USING btree ("child_id","id");--> statement-breakpoint
CREATE INDEX "children_ward_idx" ON "children" USING btree ("ward_code","id");--> statement-breakpoint
CREATE INDEX "children_group_idx" ON "children" USING btree ("residential_group_code");--> statement-breakpoint
CREATE INDEX "children_dob_ward_idx" ON "children" USING btree ("date_of_birth","ward_code");--> statement-breakpoint
CREATE INDEX "children_birth_idx" ON "children" USING btree ("effective_birth_date");--> statement-breakpoint
CREATE INDEX "children_household_idx" ON "children" USING btree ("household_id");--> statement-breakpoint
CREATE INDEX "children_name_trgm_idx" ON "children" USING gist ("name_folded" gist_trgm_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "children_personal_id_key" ON "children" USING btree ("personal_id") WHERE "children"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "children_source_external_key" ON "children" USING btree ("source","external_id");--> statement-breakpoint
CREATE INDEX "health_insurance_cards_child_idx" ON "health_insurance_cards" USING btree ("child_id","valid_to");