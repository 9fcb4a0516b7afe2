-- An assessment opened outside the criteria set's assessment years (Decision 06: November of the 2nd and
-- 4th year of each 5-year plan) is extraordinary: an administrator opens it, with its reason.
ALTER TABLE "assessments" ADD COLUMN "extraordinary_reason" text;
