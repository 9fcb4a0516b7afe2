-- The idempotency store kept whole responses (child and incident records, a new client's secret) for
-- 24 h. It now keeps the outcome only. TRUNCATE, not DELETE: it gives the table new files, so the old
-- responses do not linger in dead rows until a vacuum. A retry across this upgrade runs once more.
TRUNCATE "idempotency_keys";--> statement-breakpoint
ALTER TABLE "idempotency_keys" DROP COLUMN "response_body";--> statement-breakpoint
ALTER TABLE "idempotency_keys" DROP COLUMN "response_headers";--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "location" text;
