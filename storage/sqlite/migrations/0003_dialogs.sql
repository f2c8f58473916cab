-- 0004: multi-step chats (an admin inviting someone, adding a household, sending a file) keep
-- their state here, so a restart in the middle loses nothing.
CREATE TABLE dialogs (
    person_id  INTEGER PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    step       TEXT    NOT NULL,
    data_json  TEXT    NOT NULL DEFAULT '{}',
    updated_at TEXT    NOT NULL
);
