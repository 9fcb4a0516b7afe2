-- The counts a published table of incidents was computed from, before disclosure control (`counted`): the
-- figures of every ward and of the unit, with every breakdown published; null for the registry's tables,
-- which are protected per period. A count of incidents to date only grows, so the tables of one year's
-- closing days are protected together (src/modules/indicators/published.ts): a later table must not narrow
-- a count an earlier one withheld, nor an earlier one a later. Protecting a period together with those
-- already published needs what they withheld as it was, which the published figures do not keep.
-- Read only by the service when it publishes a period; never sent to a caller. Tables published before this
-- migration have none and are left out of the joint protection of the tables published after it.
ALTER TABLE "published_indicator_tables" ADD COLUMN "counted" jsonb;
