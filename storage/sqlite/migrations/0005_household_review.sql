-- 0005: households a kader added in the field wait for an admin to confirm them.
ALTER TABLE households ADD COLUMN needs_review INTEGER NOT NULL DEFAULT 0 CHECK (needs_review IN (0, 1));
