-- Accent-insensitive, typo-tolerant name search: "Nguyen Van An" finds "Nguyễn Văn An".
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS unaccent;
--> statement-breakpoint
-- unaccent() is STABLE (it reads a dictionary), so indexes need an IMMUTABLE wrapper with the dictionary pinned.
-- đ/Đ are separate letters, not accented d, so unaccent leaves them; they are folded explicitly.
-- Must match foldName() in src/modules/children/rules.ts (also trims and collapses whitespace).
CREATE OR REPLACE FUNCTION cps_fold(input text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT regexp_replace(btrim(lower(translate(public.unaccent('public.unaccent'::regdictionary, input), 'đĐ', 'dD'))), '\s+', ' ', 'g') $$;
