ALTER TABLE "incidents" ADD COLUMN "next_step" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "next_step_due_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "incidents_next_step_idx" ON "incidents" USING btree ("next_step_due_at") WHERE status = 'open';