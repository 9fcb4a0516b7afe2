-- Documents attached to a case (the written report's scan, minutes, the signed plan): what each is in
-- case_documents, its content in case_document_chunks, cut into pieces so that neither driver ever holds a
-- whole file in one value and a download reads one piece at a time. A deleted document keeps its row, the
-- tombstone (who deleted it, when, why); only its content goes.
CREATE TABLE "case_documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"incident_id" uuid NOT NULL REFERENCES "incidents"("id"),
	"province_code" text NOT NULL,
	"ward_code" text NOT NULL,
	"residential_group_code" text,
	"kind" text NOT NULL
	  CHECK ("kind" IN ('written_report_scan', 'minutes', 'signed_plan', 'assessment', 'photo', 'other')),
	"title" text,
	"file_name" text,
	"media_type" text NOT NULL CHECK ("media_type" IN (
	  'application/pdf', 'image/jpeg', 'image/png',
	  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
	  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')),
	"size_bytes" integer NOT NULL CHECK ("size_bytes" > 0),
	"sha256" text NOT NULL CHECK ("sha256" ~ '^[0-9a-f]{64}$'),
	"uploaded_at" timestamp with time zone NOT NULL,
	"uploaded_by" text,
	"uploaded_by_name" text,
	"deleted_at" timestamp with time zone,
	"deleted_by" text,
	"deleted_by_name" text,
	"deletion_reason" text,
	CONSTRAINT "case_documents_tombstone_check" CHECK (("deleted_at" IS NULL) = ("deletion_reason" IS NULL))
);
--> statement-breakpoint
CREATE INDEX "case_documents_incident_idx" ON "case_documents" USING btree ("incident_id", "uploaded_at", "id");
--> statement-breakpoint
-- The same content is attached to a case once (the upload answers 409 with the document that holds it);
-- after a deletion it may be attached again.
CREATE UNIQUE INDEX "case_documents_content_once" ON "case_documents" USING btree ("incident_id", "sha256")
  WHERE "deleted_at" IS NULL;
--> statement-breakpoint
CREATE TABLE "case_document_chunks" (
	"document_id" uuid NOT NULL REFERENCES "case_documents"("id"),
	"seq" integer NOT NULL CHECK ("seq" >= 0),
	"data" bytea NOT NULL,
	CONSTRAINT "case_document_chunks_pkey" PRIMARY KEY ("document_id", "seq")
);
--> statement-breakpoint
-- PDF, JPEG, PNG and OOXML are compressed already: stored out of line without another compression attempt.
ALTER TABLE "case_document_chunks" ALTER COLUMN "data" SET STORAGE EXTERNAL;
--> statement-breakpoint
ALTER TABLE case_documents ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY case_documents_in_scope ON case_documents TO cps_app
  USING (cps_in_scope(ward_code, residential_group_code))
  WITH CHECK (cps_in_scope(ward_code, residential_group_code));
--> statement-breakpoint
-- Content is visible and writable exactly when its document is.
ALTER TABLE case_document_chunks ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY case_document_chunks_of_documents_in_scope ON case_document_chunks TO cps_app
  USING (EXISTS (SELECT 1 FROM case_documents d WHERE d.id = document_id))
  WITH CHECK (EXISTS (SELECT 1 FROM case_documents d WHERE d.id = document_id));
--> statement-breakpoint
-- The row is never deleted; after the insert only a deletion is written to it, and a re-homing moves it
-- with its incident.
REVOKE ALL ON "case_documents" FROM cps_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON "case_documents" TO cps_app;
--> statement-breakpoint
GRANT UPDATE ("deleted_at", "deleted_by", "deleted_by_name", "deletion_reason",
              "province_code", "ward_code", "residential_group_code") ON "case_documents" TO cps_app;
--> statement-breakpoint
-- Content is written once and removed whole.
REVOKE ALL ON "case_document_chunks" FROM cps_app;
--> statement-breakpoint
GRANT SELECT, INSERT, DELETE ON "case_document_chunks" TO cps_app;
