-- The compact audit log. Strings that repeat (streams, event names, sources, user names, access
-- keys, resource types and names) are stored once in event_terms and referred to by number; the
-- record is deflated against a preset dictionary; every Event history index is keyed by small
-- integers (rowid = seq is implied in each index entry). Rows of the former `events` tables are
-- copied over (same seq) by the migration code, which then drops them.

-- One stream per (account, region, category): what every Event history query is scoped to.
CREATE TABLE event_streams (
    id       INTEGER PRIMARY KEY,
    account  TEXT NOT NULL,
    region   TEXT NOT NULL,
    category TEXT NOT NULL,
    UNIQUE (account, region, category)
);

CREATE TABLE event_terms (
    id   INTEGER PRIMARY KEY,
    term TEXT NOT NULL UNIQUE
);

-- AUTOINCREMENT: positions are never reused, even after every event was pruned, so delivery
-- cursors stay valid.
CREATE TABLE event_log (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    stream INTEGER NOT NULL,
    time   INTEGER NOT NULL,
    name   INTEGER NOT NULL,
    source INTEGER NOT NULL,
    user   INTEGER,
    key    INTEGER,
    ro     INTEGER NOT NULL,
    id     BLOB NOT NULL,
    codec  INTEGER NOT NULL,
    record BLOB NOT NULL
);
CREATE INDEX event_log_by_time ON event_log (stream, time);
CREATE INDEX event_log_by_name ON event_log (stream, name, time);
CREATE INDEX event_log_by_source ON event_log (stream, source, time);
CREATE INDEX event_log_by_user ON event_log (stream, user, time);
CREATE INDEX event_log_by_key ON event_log (stream, key, time);
CREATE INDEX event_log_by_read_only ON event_log (stream, ro, time);
CREATE INDEX event_log_by_id ON event_log (id);

CREATE TABLE event_log_resources (
    seq    INTEGER NOT NULL,
    stream INTEGER NOT NULL,
    time   INTEGER NOT NULL,
    type   INTEGER NOT NULL,
    name   INTEGER NOT NULL
);
CREATE INDEX event_log_resources_by_seq ON event_log_resources (seq);
CREATE INDEX event_log_resources_by_type ON event_log_resources (stream, type, time, seq);
CREATE INDEX event_log_resources_by_name ON event_log_resources (stream, name, time, seq);
