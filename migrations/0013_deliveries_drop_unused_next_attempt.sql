-- Deliveries never used this column: the next attempt is read from the delivery job (see webhooks/routes.ts).
ALTER TABLE "webhook_deliveries" DROP COLUMN "next_attempt_at";