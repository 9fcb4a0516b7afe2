-- Revisions stay append-only in content; only where the child lives may change, so that a child who
-- moves to another ward keeps a visible history there (the new ward's scope sees it, the old one no longer does).
GRANT UPDATE (province_code, ward_code, residential_group_code) ON child_revisions TO cps_app;
