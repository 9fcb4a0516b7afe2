-- Re-homing after the 2025 reorganisation: a batch moves what is filed at abolished wards to their
-- successors by residential-group mapping; each move is kept, so a batch can be resumed after a crash
-- (records already moved are not selected again), reported, and undone. Moves hold ids and unit codes
-- only, never personal values.
CREATE TABLE rehoming_batches (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  predecessor_codes text[] NOT NULL,
  state text NOT NULL CHECK (state IN ('running', 'done', 'failed', 'undoing', 'undone')),
  planned jsonb NOT NULL,
  moved integer NOT NULL DEFAULT 0,
  undone integer NOT NULL DEFAULT 0,
  failure_code text,
  created_by text NOT NULL,
  request_id text NOT NULL,
  created_at timestamptz NOT NULL,
  finished_at timestamptz,
  undone_at timestamptz,
  undone_by text,
  undo_request_id text
);
--> statement-breakpoint
CREATE TABLE rehoming_moves (
  batch_id uuid NOT NULL REFERENCES rehoming_batches (id),
  record_type text NOT NULL CHECK (record_type IN ('household', 'child', 'incident')),
  record_id uuid NOT NULL,
  from_ward text NOT NULL,
  from_group text,
  to_ward text NOT NULL,
  to_group text,
  moved_at timestamptz NOT NULL,
  undone_at timestamptz,
  PRIMARY KEY (batch_id, record_type, record_id)
);
--> statement-breakpoint
CREATE INDEX rehoming_moves_record_idx ON rehoming_moves (record_type, record_id);
--> statement-breakpoint
-- An undo reads the moves it has not yet undone, a chunk at a time: without this it would read past every
-- move already undone on each chunk.
CREATE INDEX rehoming_moves_pending_idx ON rehoming_moves (batch_id, record_type, record_id) WHERE undone_at IS NULL;
--> statement-breakpoint
-- Incident parts follow their incident when it is re-homed, as a child's parts follow the child.
GRANT UPDATE (province_code, ward_code, residential_group_code) ON incident_revisions TO cps_app;
--> statement-breakpoint
-- The residential-group mapping is corrected by administrators: each link is versioned, and a link an
-- administrator set is theirs (a newer reference file leaves it alone).
ALTER TABLE unit_successions
  ADD COLUMN source text NOT NULL DEFAULT 'reference' CHECK (source IN ('reference', 'admin')),
  ADD COLUMN version integer NOT NULL DEFAULT 1,
  ADD COLUMN updated_at timestamptz,
  ADD COLUMN updated_by text;
