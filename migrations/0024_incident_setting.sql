-- Where the abuse took place (family, school, community, online, other): the breakdown of abused children
-- Circular 13/2021/TT-BLĐTBXH asks for. Null for incidents recorded before, counted as "unknown".
ALTER TABLE "incidents" ADD COLUMN "setting" text CHECK ("setting" IN ('family', 'school', 'community', 'online', 'other'));
