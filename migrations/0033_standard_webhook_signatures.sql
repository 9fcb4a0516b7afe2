-- Standard Webhooks signatures (`webhook-signature: v1,<base64>`, keyed by the bytes the `whsec_` secret
-- encodes). A subscription made before them has a receiver that checks the former signature (`v1=<hex>`,
-- keyed by the secret's text): it keeps receiving that one beside the standard one for as long as the
-- secret it holds signs. `former_signature_secret` names that secret: 'current' until a rotation, then
-- 'previous' while the previous secret still signs, then nothing.
ALTER TABLE "webhook_subscriptions" ADD COLUMN "previous_secret" text;
--> statement-breakpoint
ALTER TABLE "webhook_subscriptions" ADD COLUMN "previous_secret_until" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "webhook_subscriptions" ADD COLUMN "former_signature_secret" text;
--> statement-breakpoint
ALTER TABLE "webhook_subscriptions" ADD CONSTRAINT "webhook_subscriptions_former_signature_secret_check"
  CHECK ("former_signature_secret" IN ('current', 'previous'));
--> statement-breakpoint
ALTER TABLE "webhook_subscriptions" ADD CONSTRAINT "webhook_subscriptions_previous_secret_check"
  CHECK (("previous_secret" IS NULL) = ("previous_secret_until" IS NULL));
--> statement-breakpoint
UPDATE "webhook_subscriptions" SET "former_signature_secret" = 'current' WHERE "deleted_at" IS NULL;
