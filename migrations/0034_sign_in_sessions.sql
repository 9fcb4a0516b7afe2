-- Sign-in sessions for people: a password sign-in opens one, and its refresh token is exchanged for a new
-- access token and a new refresh token (rotation). Each refresh token issued is kept by its SHA-256 hash only:
-- one presented again after it was exchanged is a copy in other hands, and revokes its whole session.
CREATE TABLE "sign_in_sessions" (
  "id" uuid PRIMARY KEY NOT NULL,
  "user_id" uuid NOT NULL REFERENCES "users"("id"),
  "created_at" timestamp with time zone NOT NULL,
  "refreshed_at" timestamp with time zone NOT NULL,
  "idle_expires_at" timestamp with time zone NOT NULL,
  "expires_at" timestamp with time zone NOT NULL,
  "revoked_at" timestamp with time zone,
  "revoked_reason" text CHECK ("revoked_reason" IN ('logout', 'revoked', 'reuse', 'password_changed', 'password_reset', 'deactivated')),
  CHECK (("revoked_at" IS NULL) = ("revoked_reason" IS NULL))
);
--> statement-breakpoint
CREATE INDEX "sign_in_sessions_user_idx" ON "sign_in_sessions" ("user_id") WHERE "revoked_at" IS NULL;
--> statement-breakpoint
CREATE TABLE "session_refresh_tokens" (
  "token_hash" text PRIMARY KEY NOT NULL,
  "session_id" uuid NOT NULL REFERENCES "sign_in_sessions"("id") ON DELETE CASCADE,
  "issued_at" timestamp with time zone NOT NULL,
  "exchanged_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "session_refresh_tokens_session_idx" ON "session_refresh_tokens" ("session_id");
