DROP INDEX "children_dob_ward_idx";--> statement-breakpoint
CREATE INDEX "children_dob_ward_name_idx" ON "children" USING btree ("date_of_birth","ward_code","name_folded");