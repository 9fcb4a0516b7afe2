CREATE TABLE "reference_datasets" (
	"name" text PRIMARY KEY NOT NULL,
	"version" text NOT NULL,
	"sha256" text NOT NULL,
	"applied_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "unit_successions" (
	"predecessor_code" text NOT NULL,
	"successor_code" text NOT NULL,
	"effective_date" date NOT NULL,
	"partial" boolean DEFAULT false NOT NULL,
	"confirmed" boolean DEFAULT true NOT NULL,
	"note" text,
	CONSTRAINT "unit_successions_predecessor_code_successor_code_pk" PRIMARY KEY("predecessor_code","successor_code")
);
--> statement-breakpoint
CREATE TABLE "units" (
	"code" text PRIMARY KEY NOT NULL,
	"official_code" text,
	"name_vi" text NOT NULL,
	"name_en" text,
	"level" text NOT NULL,
	"parent_code" text,
	"province_code" text NOT NULL,
	"category" text,
	"valid_from" date NOT NULL,
	"valid_to" date,
	"confirmed" boolean DEFAULT true NOT NULL,
	"source" text DEFAULT 'reference' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "units_valid_range" CHECK ("units"."valid_to" is null or "units"."valid_to" >= "units"."valid_from")
);
--> statement-breakpoint
CREATE TABLE "calendar_days" (
	"date" date PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name_vi" text NOT NULL,
	"name_en" text NOT NULL,
	"confirmed" boolean DEFAULT true NOT NULL
);
--> statement-breakpoint
CREATE TABLE "circumstance_groups" (
	"code" text PRIMARY KEY NOT NULL,
	"ascii_code" text NOT NULL,
	"name_vi" text NOT NULL,
	"name_en" text NOT NULL,
	"sensitive" boolean NOT NULL,
	"sort_order" integer NOT NULL,
	CONSTRAINT "circumstance_groups_ascii_code_unique" UNIQUE("ascii_code")
);
--> statement-breakpoint
ALTER TABLE "unit_successions" ADD CONSTRAINT "unit_successions_predecessor_code_units_code_fk" FOREIGN KEY ("predecessor_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_successions" ADD CONSTRAINT "unit_successions_successor_code_units_code_fk" FOREIGN KEY ("successor_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "units" ADD CONSTRAINT "units_parent_code_units_code_fk" FOREIGN KEY ("parent_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "unit_successions_successor_idx" ON "unit_successions" USING btree ("successor_code");--> statement-breakpoint
CREATE INDEX "units_parent_idx" ON "units" USING btree ("parent_code");--> statement-breakpoint
CREATE INDEX "units_level_idx" ON "units" USING btree ("level","valid_from");