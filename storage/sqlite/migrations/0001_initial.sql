-- 0001: the initial schema. Timestamps are ISO-8601 text in UTC ("2026-11-27T03:04:05.000000+00:00").
-- Booleans are 0/1 integers. JSON columns end in _json.

CREATE TABLE people (
    id               INTEGER PRIMARY KEY,
    telegram_user_id INTEGER UNIQUE,                 -- NULL until the person redeems an invite
    name             TEXT    NOT NULL CHECK (trim(name) <> ''),
    role             TEXT    NOT NULL CHECK (role IN ('admin', 'kader', 'agency', 'coordinator')),
    kelurahan        TEXT,
    agency_code      TEXT,
    language         TEXT    NOT NULL DEFAULT 'id' CHECK (language <> ''),
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at       TEXT    NOT NULL
);

CREATE TABLE invites (
    id                  INTEGER PRIMARY KEY,
    code_hash           TEXT    NOT NULL UNIQUE,
    person_id           INTEGER NOT NULL REFERENCES people (id),
    created_by          INTEGER REFERENCES people (id),
    created_at          TEXT    NOT NULL,
    expires_at          TEXT    NOT NULL,
    used_at             TEXT,
    used_by_telegram_id INTEGER,
    CHECK ((used_at IS NULL) = (used_by_telegram_id IS NULL))
);
CREATE INDEX invites_person ON invites (person_id);

CREATE TABLE households (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE CHECK (trim(code) <> ''),
    head_name  TEXT NOT NULL,
    address    TEXT NOT NULL,
    rt         TEXT NOT NULL,
    rw         TEXT NOT NULL,
    kelurahan  TEXT NOT NULL,
    kader_id   INTEGER REFERENCES people (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX households_kader ON households (kader_id);

CREATE TABLE interviews (
    id                 INTEGER PRIMARY KEY,
    household_id       INTEGER NOT NULL REFERENCES households (id),
    kader_id           INTEGER NOT NULL REFERENCES people (id),
    instrument_id      TEXT    NOT NULL,
    instrument_version TEXT    NOT NULL,
    instrument_hash    TEXT    NOT NULL,
    survey_round       TEXT    NOT NULL,
    status             TEXT    NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    current_question   TEXT,                         -- NULL: at the review screen
    consent_at         TEXT,
    started_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    submitted_at       TEXT,
    UNIQUE (household_id, survey_round),
    CHECK ((status = 'submitted') = (submitted_at IS NOT NULL))
);
CREATE INDEX interviews_kader_status ON interviews (kader_id, status);
CREATE INDEX interviews_kader_round ON interviews (kader_id, survey_round);

CREATE TABLE answers (
    interview_id INTEGER NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    question_id  TEXT    NOT NULL,
    value_json   TEXT,                               -- NULL exactly when refused
    refused      INTEGER NOT NULL DEFAULT 0 CHECK (refused IN (0, 1)),
    answered_at  TEXT    NOT NULL,
    PRIMARY KEY (interview_id, question_id),
    CHECK ((refused = 1) = (value_json IS NULL))
) WITHOUT ROWID;

CREATE TABLE scores (
    interview_id       INTEGER PRIMARY KEY REFERENCES interviews (id) ON DELETE CASCADE,
    instrument_version TEXT    NOT NULL,
    rubric_version     TEXT    NOT NULL,
    index_value        REAL    CHECK (index_value BETWEEN 0 AND 100),
    category           TEXT,
    complete           INTEGER NOT NULL CHECK (complete IN (0, 1)),
    detail_json        TEXT    NOT NULL,
    scored_at          TEXT    NOT NULL
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL,
    period          TEXT    NOT NULL,
    recipient_id    INTEGER NOT NULL REFERENCES people (id),
    chat_id         INTEGER NOT NULL,
    payload_json    TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'inactive')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      TEXT,
    next_attempt_at TEXT,                            -- NULL once nothing more will be tried
    created_at      TEXT    NOT NULL,
    sent_at         TEXT,
    UNIQUE (kind, period, recipient_id)
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor_id    INTEGER REFERENCES people (id),
    action      TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    detail_json TEXT
);
