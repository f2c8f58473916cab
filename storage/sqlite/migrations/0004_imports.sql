-- 0004: household imports. A file sent to the bot (or imported on the server) becomes a pending
-- plan; confirming applies it in one transaction. The plan holds names and addresses, so it is
-- kept only while pending: applying or cancelling clears plan_json and keeps the counts.
CREATE TABLE imports (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER REFERENCES people (id),     -- NULL: imported on the server (CLI)
    file_name    TEXT    NOT NULL,
    file_sha256  TEXT    NOT NULL CHECK (length(file_sha256) = 64),
    plan_json    TEXT,                               -- NULL once applied or cancelled
    counts_json  TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'applied', 'cancelled')),
    created_at   TEXT    NOT NULL,
    applied_at   TEXT,
    cancelled_at TEXT,
    CHECK ((status = 'pending') = (plan_json IS NOT NULL)),
    CHECK ((status = 'applied') = (applied_at IS NOT NULL)),
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);
CREATE INDEX imports_person_status ON imports (person_id, status);

-- Rows without a household code are matched to a household of the same kelurahan, RT and RW.
CREATE INDEX households_area ON households (kelurahan, rt, rw);
