-- The event journal: what a call appends on the request path. One row per event with its
-- attributes as plain columns and no secondary index, so recording a call is one append; the
-- writer moves journal rows into the compact, indexed `event_log` in large batches when it is
-- idle or the journal grows (same positions, oldest first, in one transaction), and lookups read
-- both. Every position in the journal is greater than every position in `event_log`.

CREATE TABLE event_journal (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    account   TEXT NOT NULL,
    region    TEXT NOT NULL,
    category  TEXT NOT NULL,
    time      INTEGER NOT NULL,
    name      TEXT NOT NULL,
    source    TEXT NOT NULL,
    user      TEXT,
    key       TEXT,
    ro        INTEGER NOT NULL,
    id        TEXT NOT NULL,
    -- JSON: [[type, name], ...]
    resources TEXT NOT NULL,
    -- The record as `event_log` keeps it (see events/codec.rs), so moving it copies the bytes.
    codec     INTEGER NOT NULL,
    record    BLOB NOT NULL
);

-- Positions go on from the log's: a position is never reused.
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'event_journal', seq FROM sqlite_sequence WHERE name = 'event_log';
